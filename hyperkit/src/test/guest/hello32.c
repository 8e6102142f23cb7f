/* hello.elf32: 32-bit protected-mode entry check. */
#include "lib.h"

int main32(const char *cmdline, unsigned cpu, unsigned ncpus, unsigned long ram) {
    if (cpu != 0) halt_forever();
    printf("hello from 32-bit guest cpu %u of %u\n", cpu, ncpus);
    printf("cmdline: %s\n", cmdline);
    printf("ram: %lu MiB\n", ram >> 20);
    printf("OK hello32\n");
    return 0;
}
