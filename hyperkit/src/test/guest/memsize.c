/* memsize.elf64: touch every 2 MiB of RAM (first and last qword of each 2 MiB chunk above 2 MiB). */
#include "lib.h"

#define MB2 (2UL << 20)
/* RAM is contiguous from 0 only below the MMIO hole; never test at or above 3 GiB. */
#define LOW_RAM_LIMIT 0xC0000000UL

static uint64_t pat(uintptr_t a) { return (uint64_t)a * 0x9E3779B97F4A7C15ULL ^ 0x5a5a5a5a5a5a5a5aULL; }

int main64(const char *cmdline, unsigned cpu, unsigned ncpus, unsigned long ram) {
    (void)cmdline; (void)ncpus;
    if (cpu != 0) halt_forever();
    if (ram < 2 * MB2) {
        printf("FAIL memory: RAM size %lu bytes too small (RCX)\n", ram);
        return 1;
    }
    unsigned long top = ram < LOW_RAM_LIMIT ? ram : LOW_RAM_LIMIT;
    top &= ~(MB2 - 1);
    unsigned long n = 0;
    for (uintptr_t a = MB2; a + MB2 <= top; a += MB2, n++) {
        *(volatile uint64_t *)a = pat(a);
        *(volatile uint64_t *)(a + MB2 - 8) = ~pat(a);
    }
    mb();
    for (uintptr_t a = MB2; a + MB2 <= top; a += MB2) {
        uint64_t x = *(volatile uint64_t *)a, y = *(volatile uint64_t *)(a + MB2 - 8);
        if (x != pat(a) || y != ~pat(a)) {
            printf("FAIL memory at %p: %p / %p\n", (void *)a, (void *)x, (void *)y);
            return 2;
        }
    }
    printf("tested %lu chunks of 2 MiB, 0x200000..%p\n", n, (void *)top);
    printf("OK memory %lu MiB\n", ram >> 20);
    return 0;
}
