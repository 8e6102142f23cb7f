/* triple.elf64: #UD with an empty IDT -> double fault -> triple fault (KVM_EXIT_SHUTDOWN). */
#include "lib.h"

int main64(const char *cmdline, unsigned cpu, unsigned ncpus, unsigned long ram) {
    (void)cmdline; (void)ncpus; (void)ram;
    if (cpu != 0) halt_forever();
    static const struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr = {0, 0};
    puts("about to fault\n");
    __asm__ volatile("lidt %0; ud2" : : "m"(idtr) : "memory");
    puts("FAIL still running after ud2\n");
    return 1;
}
