/* badmmio.elf64: read an unclaimed MMIO address; the VMM must stop the VM and name 0xfd000000. */
#include "lib.h"

int main64(const char *cmdline, unsigned cpu, unsigned ncpus, unsigned long ram) {
    (void)cmdline; (void)ncpus; (void)ram;
    if (cpu != 0) halt_forever();
    puts("about to read unclaimed mmio\n");
    uint32_t v = mmio_read32(0xfd000000UL);
    printf("FAIL still running after unclaimed mmio read (value %x)\n", v);
    return 1;
}
