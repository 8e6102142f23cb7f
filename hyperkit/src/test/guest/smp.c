/* smp.elf64: all vCPUs start at the entry together; each checks its registers/stack and checks in. */
#include "lib.h"

/* In .data (not .bss): vCPU 0 clears .bss at start-up while the others may already run. */
static volatile uint32_t counter __attribute__((section(".data"))) = 0;
static volatile uint32_t bad __attribute__((section(".data"))) = 0;
static volatile uint64_t seen __attribute__((section(".data"))) = 0;

int main64(const char *cmdline, unsigned cpu, unsigned ncpus, unsigned long ram) {
    (void)cmdline; (void)ram;
    uintptr_t rsp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
    uintptr_t top = 0x80000 - (uintptr_t)cpu * 0x4000;
    if (cpu >= ncpus || cpu >= 64 || rsp > top || rsp < top - 0x1000) atomic_add32(&bad, 1);
    else atomic_or64(&seen, 1ULL << cpu);
    atomic_add32(&counter, 1);
    if (cpu != 0) halt_forever();

    /* Bounded wait: about 10 s at 3 GHz TSC. */
    uint64_t i, t0 = rdtsc();
    for (i = 0; counter < ncpus && rdtsc() - t0 < 30000000000ULL; i++) cpu_relax();
    mb();
    uint64_t want = ncpus >= 64 ? ~0ULL : (1ULL << ncpus) - 1;
    if (counter != ncpus || bad || seen != want) {
        printf("FAIL smp: counter %u of %u, bad %u, seen mask %p, spins %lu\n", counter, ncpus, bad,
               (void *)(uintptr_t)seen, (unsigned long)i);
        return 1;
    }
    printf("OK smp %u cpus (spins %lu)\n", ncpus, (unsigned long)i);
    return 0;
}
