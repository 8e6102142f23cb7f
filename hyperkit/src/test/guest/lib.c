#include "lib.h"
#include <stdarg.h>

void halt_forever(void) {
    for (;;) __asm__ volatile("cli; hlt" : : : "memory");
}

void exit(int code) {
    outb(EXIT_PORT, (uint8_t)code);
    halt_forever();
}

void serial_putc(char c) {
    for (unsigned i = 0; i < 100000 && !(inb(SERIAL_PORT + 5) & 0x20); i++) cpu_relax();
    outb(SERIAL_PORT, (uint8_t)c);
}

void puts(const char *s) {
    while (*s) serial_putc(*s++);
}

static const char hexdig[] = "0123456789abcdef";

void puthex(uint64_t v, int digits) {
    for (int i = digits - 1; i >= 0; i--) serial_putc(hexdig[(v >> (4 * i)) & 0xf]);
}

void putx(uint64_t v) {
    int d = 1;
    while (d < 16 && (v >> (4 * d)) != 0) d++;
    puts("0x");
    puthex(v, d);
}

/* 64-bit divide by 10 without libgcc (works with -m32 too). */
static uint64_t divmod10(uint64_t n, unsigned *rem) {
    uint64_t q = 0, r = 0;
    for (int i = 63; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= 10) { r -= 10; q |= (uint64_t)1 << i; }
    }
    *rem = (unsigned)r;
    return q;
}

static int fmt_u64(char *buf, uint64_t v, unsigned base) {
    char tmp[24];
    int n = 0;
    do {
        unsigned d;
        if (base == 16) { d = v & 0xf; v >>= 4; } else { v = divmod10(v, &d); }
        tmp[n++] = hexdig[d];
    } while (v);
    for (int i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
    return n;
}

void putd(uint64_t v) {
    char b[24];
    int n = fmt_u64(b, v, 10);
    for (int i = 0; i < n; i++) serial_putc(b[i]);
}

void puthexbytes(const void *p, size_t n) {
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) puthex(b[i], 2);
}

void printf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') { serial_putc(*fmt); continue; }
        fmt++;
        char pad = ' ';
        int width = 0, lng = 0;
        if (*fmt == '0') { pad = '0'; fmt++; }
        while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l' || *fmt == 'z') { lng++; if (*fmt == 'z' && sizeof(size_t) == 8) lng++; fmt++; }
        char buf[24];
        int n = 0, neg = 0;
        uint64_t v;
        switch (*fmt) {
        case '%': serial_putc('%'); continue;
        case 'c': serial_putc((char)va_arg(ap, int)); continue;
        case 's': {
            const char *s = va_arg(ap, const char *);
            int l = (int)strlen(s);
            for (; l < width; l++) serial_putc(' ');
            puts(s);
            continue;
        }
        case 'p': v = (uintptr_t)va_arg(ap, void *); puts("0x"); n = fmt_u64(buf, v, 16); break;
        case 'd': {
            int64_t sv = lng >= 2 ? va_arg(ap, long long) : lng == 1 ? va_arg(ap, long) : va_arg(ap, int);
            if (sv < 0) { neg = 1; v = (uint64_t)-sv; } else v = (uint64_t)sv;
            n = fmt_u64(buf, v, 10);
            break;
        }
        case 'u': case 'x':
            v = lng >= 2 ? va_arg(ap, unsigned long long) : lng == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            n = fmt_u64(buf, v, *fmt == 'x' ? 16 : 10);
            break;
        case 0: fmt--; continue;
        default: serial_putc('%'); serial_putc(*fmt); continue;
        }
        if (neg) { if (pad == '0') serial_putc('-'); width--; }
        for (int i = n; i < width; i++) serial_putc(pad);
        if (neg && pad != '0') serial_putc('-');
        for (int i = 0; i < n; i++) serial_putc(buf[i]);
    }
    va_end(ap);
}

void *memset(void *d, int c, size_t n) {
    void *r = d;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return r;
}

void *memcpy(void *d, const void *s, size_t n) {
    void *r = d;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    return r;
}

int memcmp(const void *a, const void *b, size_t n) {
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

int strcmp(const char *a, const char *b) {
    while (*a && *a == *b) { a++; b++; }
    return (uint8_t)*a - (uint8_t)*b;
}

int strncmp(const char *a, const char *b, size_t n) {
    for (; n; n--, a++, b++) {
        if (*a != *b) return (uint8_t)*a - (uint8_t)*b;
        if (!*a) return 0;
    }
    return 0;
}

char *strstr(const char *h, const char *n) {
    size_t l = strlen(n);
    for (; *h; h++)
        if (!strncmp(h, n, l)) return (char *)h;
    return l == 0 ? (char *)h : NULL;
}

int cmdline_get(const char *cmdline, const char *key, char *buf, size_t n) {
    size_t kl = strlen(key);
    const char *p = cmdline;
    if (!p || n == 0) return 0;
    while (*p) {
        while (*p == ' ' || *p == '\t') p++;
        if (!strncmp(p, key, kl) && p[kl] == '=') {
            p += kl + 1;
            size_t i = 0;
            while (*p && *p != ' ' && *p != '\t' && i + 1 < n) buf[i++] = *p++;
            buf[i] = 0;
            return 1;
        }
        while (*p && *p != ' ' && *p != '\t') p++;
    }
    return 0;
}

uint64_t parse_u64(const char *s, const char **end) {
    uint64_t v = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        for (;; s++) {
            char c = *s;
            if (c >= '0' && c <= '9') v = (v << 4) | (uint64_t)(c - '0');
            else if (c >= 'a' && c <= 'f') v = (v << 4) | (uint64_t)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') v = (v << 4) | (uint64_t)(c - 'A' + 10);
            else break;
        }
    } else {
        for (; *s >= '0' && *s <= '9'; s++) v = (v << 3) + (v << 1) + (uint64_t)(*s - '0');
    }
    if (end) *end = s;
    return v;
}
