/* exits.elf64: port I/O and MMIO exits in every size, then an exit-latency loop. */
#include "lib.h"

static int fails;

static void check(const char *what, uint64_t got, uint64_t want) {
    if (got != want) {
        printf("FAIL %s: got %p want %p\n", what, (void *)(uintptr_t)got, (void *)(uintptr_t)want);
        fails++;
    } else {
        printf("OK %s = %p\n", what, (void *)(uintptr_t)got);
    }
}

int main64(const char *cmdline, unsigned cpu, unsigned ncpus, unsigned long ram) {
    (void)cmdline; (void)ncpus; (void)ram;
    if (cpu != 0) halt_forever();

    static const uint8_t v8[] = {0x5a, 0xff};
    static const uint16_t v16[] = {0x1234, 0xffff};
    static const uint32_t v32[] = {0x12345678, 0xffffffff};
    for (int i = 0; i < 2; i++) {
        outb(TEST_PORT, v8[i]);
        check("pio8 0x510", inb(TEST_PORT), (uint8_t)(v8[i] + 1));
        outw(TEST_PORT, v16[i]);
        check("pio16 0x510", inw(TEST_PORT), (uint16_t)(v16[i] + 1));
        outl(TEST_PORT, v32[i]);
        check("pio32 0x510", inl(TEST_PORT), (uint32_t)(v32[i] + 1));
    }

    mmio_write8(TEST_MMIO, 0xa5);
    check("mmio8 0xfe000000", mmio_read8(TEST_MMIO), 0xa5);
    mmio_write16(TEST_MMIO, 0xbeef);
    check("mmio16 0xfe000000", mmio_read16(TEST_MMIO), 0xbeef);
    mmio_write32(TEST_MMIO, 0xdeadbeef);
    check("mmio32 0xfe000000", mmio_read32(TEST_MMIO), 0xdeadbeef);
    mmio_write64(TEST_MMIO, 0x0123456789abcdefULL);
    check("mmio64 0xfe000000", mmio_read64(TEST_MMIO), 0x0123456789abcdefULL);
    check("mmio64 0xfe000008", mmio_read64(TEST_MMIO + 8), 0x4859504552ULL);

    const unsigned loops = 100000;
    uint64_t t0 = rdtsc();
    for (unsigned i = 0; i < loops; i++) outb(TEST_PORT, (uint8_t)i);
    uint64_t t1 = rdtsc();
    check("pio8 after loop", inb(TEST_PORT), (uint8_t)(loops - 1 + 1));
    printf("OK loop %u outb round trips, %lu tsc cycles, %lu cycles each\n", loops,
           (unsigned long)(t1 - t0), (unsigned long)((t1 - t0) / loops));

    if (fails) {
        printf("FAIL exits: %d failures\n", fails);
        return 1;
    }
    printf("OK exits\n");
    return 0;
}
