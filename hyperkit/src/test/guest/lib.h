/* Tiny freestanding runtime for the HyperKit test guests (32- and 64-bit). See CONTRACT.md. */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

#include <stdint.h>
#include <stddef.h>

#define SERIAL_PORT 0x3f8
#define EXIT_PORT 0xf4
#define TEST_PORT 0x510
#define TEST_MMIO 0xfe000000UL

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory"); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port) : "memory"); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory"); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory"); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory"); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory"); return v; }

/* MMIO: one plain mov of exactly the given size (easy for KVM's instruction emulator). */
static inline uint8_t mmio_read8(uintptr_t a) { uint8_t v; __asm__ volatile("movb (%1), %0" : "=q"(v) : "r"(a) : "memory"); return v; }
static inline uint16_t mmio_read16(uintptr_t a) { uint16_t v; __asm__ volatile("movw (%1), %0" : "=r"(v) : "r"(a) : "memory"); return v; }
static inline uint32_t mmio_read32(uintptr_t a) { uint32_t v; __asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(a) : "memory"); return v; }
static inline void mmio_write8(uintptr_t a, uint8_t v) { __asm__ volatile("movb %0, (%1)" : : "q"(v), "r"(a) : "memory"); }
static inline void mmio_write16(uintptr_t a, uint16_t v) { __asm__ volatile("movw %0, (%1)" : : "r"(v), "r"(a) : "memory"); }
static inline void mmio_write32(uintptr_t a, uint32_t v) { __asm__ volatile("movl %0, (%1)" : : "r"(v), "r"(a) : "memory"); }
#ifdef __x86_64__
static inline uint64_t mmio_read64(uintptr_t a) { uint64_t v; __asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(a) : "memory"); return v; }
static inline void mmio_write64(uintptr_t a, uint64_t v) { __asm__ volatile("movq %0, (%1)" : : "r"(v), "r"(a) : "memory"); }
#endif

static inline void barrier(void) { __asm__ volatile("" : : : "memory"); }
static inline void mb(void) { __asm__ volatile("mfence" : : : "memory"); }
static inline void rmb(void) { __asm__ volatile("lfence" : : : "memory"); }
static inline void wmb(void) { __asm__ volatile("sfence" : : : "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("pause" : : : "memory"); }
static inline uint64_t rdtsc(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((uint64_t)hi << 32) | lo; }

/* Returns the old value. */
static inline uint32_t atomic_add32(volatile uint32_t *p, uint32_t v) {
    __asm__ volatile("lock xaddl %0, %1" : "+r"(v), "+m"(*p) : : "memory");
    return v;
}
static inline void atomic_or32(volatile uint32_t *p, uint32_t v) {
    __asm__ volatile("lock orl %1, %0" : "+m"(*p) : "r"(v) : "memory");
}
#ifdef __x86_64__
static inline uint64_t atomic_add64(volatile uint64_t *p, uint64_t v) {
    __asm__ volatile("lock xaddq %0, %1" : "+r"(v), "+m"(*p) : : "memory");
    return v;
}
static inline void atomic_or64(volatile uint64_t *p, uint64_t v) {
    __asm__ volatile("lock orq %1, %0" : "+m"(*p) : "r"(v) : "memory");
}
#endif

__attribute__((noreturn)) void halt_forever(void);      /* cli; hlt loop */
__attribute__((noreturn)) void exit(int code);         /* outb(0xf4, code), then halt */

void serial_putc(char c);
void puts(const char *s);                              /* no newline added */
void putx(uint64_t v);                                 /* 0x... minimal hex */
void puthex(uint64_t v, int digits);                   /* fixed width, no prefix */
void putd(uint64_t v);                                 /* unsigned decimal */
void puthexbytes(const void *p, size_t n);             /* contiguous lowercase hex */
void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* printf supports %% %c %s %d %u %x %p with optional '0', width, 'l'/'ll'/'z'. */

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strstr(const char *h, const char *n);

/* Command line "key=value" lookup: copies the value (up to the next blank) into buf, returns 1 if found. */
int cmdline_get(const char *cmdline, const char *key, char *buf, size_t n);
/* Parses decimal or 0x-hex; *end (optional) gets the first unparsed character. */
uint64_t parse_u64(const char *s, const char **end);

#endif
