/* kvm-harness: minimal KVM runner implementing only CONTRACT.md's CPU setup plus serial, exit port,
 * test port 0x510 and test MMIO 0xfe000000 (no virtio). Test tool only, not part of the product.
 *
 * usage: kvm-harness [-m MiB] [-c ncpus] [-a cmdline] [-t seconds] [-i] [-n] GUEST
 *   GUEST: *.elf64 / *.elf32 (by ELF class) or a flat *.bin16
 *   -i  create an in-kernel irqchip (then APs are forced RUNNABLE with KVM_SET_MP_STATE)
 *   -I  in-kernel irqchip but leave the APs' mp_state alone (shows they never run)
 *   -n  do not set CPUID (KVM_SET_CPUID2) on the vCPUs
 * Exit status: the guest's 0xf4 code; 125 triple fault; 126 guest fault (unclaimed MMIO);
 *              124 timeout; 123 all vCPUs halted; 127 harness/KVM error. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define GDT_ADDR 0x500
#define PML4_ADDR 0x9000
#define CMDLINE_ADDR 0x20000
#define CMDLINE_MAX 0x1000
#define STACK_TOP 0x80000
#define STACK_PER_CPU 0x4000
#define LOW_RAM_MAX 0xC0000000ULL /* RAM above 3 GiB continues at 4 GiB */

enum mode { M16, M32, M64 };

static int kvm_fd, vm_fd, ncpus = 1, use_irqchip, no_cpuid, no_mpstate;
static uint8_t *mem;
static uint64_t ram_size = 64 << 20, low_size;
static size_t run_size;
static enum mode mode;
static uint64_t entry;
static const char *cmdline = "";
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t port510, mmio0;
static int halted;

#define die(...) do { dprintf(1, "[harness] error: " __VA_ARGS__); dprintf(1, "\n"); _exit(127); } while (0)

static void finish(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void finish(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&lock);
    dprintf(1, "\n[harness] ");
    vdprintf(1, fmt, ap);
    dprintf(1, "\n");
    _exit(code);
}

static void *gpa(uint64_t a, uint64_t len) {
    if (a + len < a) return NULL;
    if (a + len <= low_size) return mem + a;
    if (a >= 0x100000000ULL && a - 0x100000000ULL + len <= ram_size - low_size) return mem + low_size + (a - 0x100000000ULL);
    return NULL;
}

static void load_guest(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) die("open %s: %s", path, strerror(errno));
    struct stat st;
    fstat(fd, &st);
    uint8_t *img = malloc(st.st_size + 1);
    if (read(fd, img, st.st_size) != st.st_size) die("read %s", path);
    close(fd);
    size_t n = st.st_size;
    if (n >= 4 && !memcmp(img, ELFMAG, 4)) {
        if (img[EI_CLASS] == ELFCLASS64) {
            Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
            mode = M64;
            entry = eh->e_entry;
            for (int i = 0; i < eh->e_phnum; i++) {
                Elf64_Phdr *ph = (Elf64_Phdr *)(img + eh->e_phoff + i * eh->e_phentsize);
                if (ph->p_type != PT_LOAD) continue;
                uint8_t *d = gpa(ph->p_paddr, ph->p_memsz);
                if (!d || ph->p_offset + ph->p_filesz > n) die("bad PT_LOAD at 0x%llx", (unsigned long long)ph->p_paddr);
                memcpy(d, img + ph->p_offset, ph->p_filesz);
                memset(d + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
            }
        } else {
            Elf32_Ehdr *eh = (Elf32_Ehdr *)img;
            mode = M32;
            entry = eh->e_entry;
            for (int i = 0; i < eh->e_phnum; i++) {
                Elf32_Phdr *ph = (Elf32_Phdr *)(img + eh->e_phoff + i * eh->e_phentsize);
                if (ph->p_type != PT_LOAD) continue;
                uint8_t *d = gpa(ph->p_paddr, ph->p_memsz);
                if (!d || ph->p_offset + ph->p_filesz > n) die("bad PT_LOAD at 0x%x", ph->p_paddr);
                memcpy(d, img + ph->p_offset, ph->p_filesz);
                memset(d + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
            }
        }
    } else {
        mode = M16;
        entry = 0x7c00;
        if (n > 0x8000) die("bin16 too large");
        memcpy(mem + 0x7c00, img, n);
    }
    free(img);
}

static void setup_memory_tables(void) {
    uint64_t *gdt = (uint64_t *)(mem + GDT_ADDR);
    gdt[0] = 0;
    gdt[1] = mode == M64 ? 0x00af9b000000ffffULL : 0x00cf9b000000ffffULL; /* 0x08 code */
    gdt[2] = 0x00cf93000000ffffULL;                                       /* 0x10 data */
    if (mode == M64) {
        uint64_t *pml4 = (uint64_t *)(mem + PML4_ADDR), *pdpt = pml4 + 512, *pd = pml4 + 1024;
        memset(pml4, 0, 6 * 4096);
        pml4[0] = (PML4_ADDR + 0x1000) | 3;
        for (int i = 0; i < 4; i++) pdpt[i] = (PML4_ADDR + 0x2000 + i * 0x1000) | 3;
        for (uint64_t j = 0; j < 2048; j++) pd[j] = (j << 21) | 0x83; /* P | RW | PS */
    }
    size_t l = strlen(cmdline);
    if (l >= CMDLINE_MAX) die("cmdline too long");
    memcpy(mem + CMDLINE_ADDR, cmdline, l + 1);
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int code64, int db, int g, uint32_t limit) {
    memset(s, 0, sizeof *s);
    s->base = 0;
    s->limit = limit;
    s->selector = sel;
    s->type = type;
    s->present = 1;
    s->dpl = 0;
    s->s = 1;
    s->l = code64;
    s->db = db;
    s->g = g;
}

static void setup_vcpu(int fd, int idx) {
    if (!no_cpuid) {
        struct kvm_cpuid2 *c = calloc(1, sizeof *c + 256 * sizeof(struct kvm_cpuid_entry2));
        c->nent = 256;
        if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) die("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
        for (unsigned i = 0; i < c->nent; i++)
            if (c->entries[i].function == 1) c->entries[i].ebx = (c->entries[i].ebx & 0x00ffffff) | (idx << 24); /* APIC id */
        if (ioctl(fd, KVM_SET_CPUID2, c) < 0) die("KVM_SET_CPUID2: %s", strerror(errno));
        free(c);
    }
    struct kvm_sregs sr;
    if (ioctl(fd, KVM_GET_SREGS, &sr) < 0) die("KVM_GET_SREGS: %s", strerror(errno));
    struct kvm_regs r;
    memset(&r, 0, sizeof r);
    r.rflags = 2;
    r.rip = entry;
    if (mode == M16) {
        seg(&sr.cs, 0, 11, 0, 0, 0, 0xffff);
        seg(&sr.ds, 0, 3, 0, 0, 0, 0xffff);
        sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
        sr.cr0 = 0x60000010; /* reset value: CD | NW | ET */
        sr.cr4 = 0;
        sr.efer = 0;
        r.rsp = 0x7000;
    } else {
        seg(&sr.cs, 0x08, 11, mode == M64, mode == M32, 1, 0xffffffff);
        seg(&sr.ds, 0x10, 3, 0, 1, 1, 0xffffffff);
        sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
        sr.gdt.base = GDT_ADDR;
        sr.gdt.limit = 3 * 8 - 1;
        sr.idt.base = 0;
        sr.idt.limit = 0;
        r.rdi = CMDLINE_ADDR;
        r.rsi = idx;
        r.rdx = ncpus;
        r.rsp = STACK_TOP - (uint64_t)idx * STACK_PER_CPU;
        if (mode == M64) {
            sr.cr0 = 0x80050033; /* PG | AM | WP | NE | ET | MP | PE */
            sr.cr3 = PML4_ADDR;
            sr.cr4 = 0x20; /* PAE */
            sr.efer = 0x500; /* LME | LMA */
            r.rcx = ram_size;
        } else {
            sr.cr0 = 0x00000011; /* ET | PE */
            sr.cr3 = 0;
            sr.cr4 = 0;
            sr.efer = 0;
            r.rcx = ram_size > 0xffffffffULL ? 0xffffffffULL : ram_size;
        }
    }
    if (ioctl(fd, KVM_SET_SREGS, &sr) < 0) die("KVM_SET_SREGS vcpu %d: %s", idx, strerror(errno));
    if (ioctl(fd, KVM_SET_REGS, &r) < 0) die("KVM_SET_REGS vcpu %d: %s", idx, strerror(errno));
    if (use_irqchip && !no_mpstate) {
        struct kvm_mp_state mp;
        if (ioctl(fd, KVM_GET_MP_STATE, &mp) == 0 && mp.mp_state != KVM_MP_STATE_RUNNABLE) {
            dprintf(1, "[harness] vcpu %d mp_state %u -> RUNNABLE\n", idx, mp.mp_state);
            mp.mp_state = KVM_MP_STATE_RUNNABLE;
            if (ioctl(fd, KVM_SET_MP_STATE, &mp) < 0) die("KVM_SET_MP_STATE: %s", strerror(errno));
        }
    }
}

static uint64_t get_val(const uint8_t *p, int len) {
    uint64_t v = 0;
    memcpy(&v, p, len);
    return v;
}

static void handle_io(int idx, struct kvm_run *run) {
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    for (uint32_t c = 0; c < run->io.count; c++, data += run->io.size) {
        uint16_t port = run->io.port;
        int sz = run->io.size;
        if (run->io.direction == KVM_EXIT_IO_OUT) {
            uint64_t v = get_val(data, sz);
            if (port == 0x3f8) { char ch = (char)v; if (write(1, &ch, 1) < 0) {} }
            else if (port == 0xf4) finish((int)(v & 0xff), "vcpu %d: guest exit code %d", idx, (int)(v & 0xff));
            else if (port == 0x510) { pthread_mutex_lock(&lock); port510 = v; pthread_mutex_unlock(&lock); }
        } else {
            uint64_t v = ~0ULL;
            if (port == 0x3fd) v = 0x60; /* THR empty | TEMT */
            else if (port > 0x3f8 && port < 0x400) v = 0;
            else if (port == 0x510) { pthread_mutex_lock(&lock); v = port510 + 1; pthread_mutex_unlock(&lock); }
            memcpy(data, &v, sz);
        }
    }
}


static void handle_mmio(int idx, struct kvm_run *run) {
    uint64_t a = run->mmio.phys_addr;
    int len = run->mmio.len;
    if (a >= 0xfe000000ULL && a + len <= 0xfe001000ULL) {
        uint64_t off = a - 0xfe000000ULL, mask = len == 8 ? ~0ULL : (1ULL << (8 * len)) - 1;
        pthread_mutex_lock(&lock);
        if (run->mmio.is_write) {
            if (off == 0) mmio0 = get_val(run->mmio.data, len);
        } else {
            uint64_t v = off == 0 ? mmio0 & mask : off == 8 ? 0x4859504552ULL & mask : 0;
            memcpy(run->mmio.data, &v, len);
        }
        pthread_mutex_unlock(&lock);
        return;
    }
    finish(126, "vcpu %d: guest fault at 0x%llx (unclaimed mmio %s, %d bytes)", idx, (unsigned long long)a,
           run->mmio.is_write ? "write" : "read", len);
}

struct vcpu { int fd, idx; struct kvm_run *run; pthread_t th; };

static void *vcpu_thread(void *arg) {
    struct vcpu *v = arg;
    for (;;) {
        if (ioctl(v->fd, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            die("vcpu %d KVM_RUN: %s", v->idx, strerror(errno));
        }
        struct kvm_run *run = v->run;
        switch (run->exit_reason) {
        case KVM_EXIT_IO: handle_io(v->idx, run); break;
        case KVM_EXIT_MMIO: handle_mmio(v->idx, run); break;
        case KVM_EXIT_HLT:
            pthread_mutex_lock(&lock);
            int all = ++halted == ncpus;
            pthread_mutex_unlock(&lock);
            if (all) finish(123, "all vCPUs halted without exit");
            return NULL;
        case KVM_EXIT_SHUTDOWN: {
            struct kvm_regs r;
            ioctl(v->fd, KVM_GET_REGS, &r);
            finish(125, "vcpu %d: triple fault (KVM_EXIT_SHUTDOWN) rip=0x%llx", v->idx, (unsigned long long)r.rip);
        }
        case KVM_EXIT_FAIL_ENTRY:
            finish(127, "vcpu %d: KVM_EXIT_FAIL_ENTRY reason 0x%llx", v->idx,
                   (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        case KVM_EXIT_INTERNAL_ERROR:
            finish(127, "vcpu %d: KVM_EXIT_INTERNAL_ERROR suberror %u", v->idx, run->internal.suberror);
        default:
            finish(127, "vcpu %d: unexpected exit reason %u", v->idx, run->exit_reason);
        }
    }
}

int main(int argc, char **argv) {
    int opt, timeout = 20;
    while ((opt = getopt(argc, argv, "m:c:a:t:inId:")) != -1) {
        switch (opt) {
        case 'm': ram_size = strtoull(optarg, NULL, 0) << 20; break;
        case 'c': ncpus = atoi(optarg); break;
        case 'a': cmdline = optarg; break;
        case 't': timeout = atoi(optarg); break;
        case 'i': use_irqchip = 1; break;
        case 'n': no_cpuid = 1; break;
        case 'I': use_irqchip = no_mpstate = 1; break;
        default: fprintf(stderr, "usage: %s [-m MiB] [-c ncpus] [-a cmdline] [-t s] [-i] [-n] guest\n", argv[0]); return 127;
        }
    }
    if (optind != argc - 1 || ncpus < 1 || ncpus > 32 || ram_size < (4 << 20)) {
        fprintf(stderr, "usage: %s [-m MiB] [-c ncpus] [-a cmdline] [-t s] [-i] [-n] guest\n", argv[0]);
        return 127;
    }
    kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm_fd < 0) die("/dev/kvm: %s", strerror(errno));
    if (ioctl(kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) die("bad KVM API version");
    vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
    if (vm_fd < 0) die("KVM_CREATE_VM: %s", strerror(errno));
    if (ioctl(vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000UL) < 0) dprintf(1, "[harness] note: KVM_SET_TSS_ADDR: %s\n", strerror(errno));
    if (use_irqchip && ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) die("KVM_CREATE_IRQCHIP: %s", strerror(errno));

    mem = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED) die("mmap: %s", strerror(errno));
    low_size = ram_size < LOW_RAM_MAX ? ram_size : LOW_RAM_MAX;
    struct kvm_userspace_memory_region reg = {.slot = 0, .guest_phys_addr = 0, .memory_size = low_size,
                                              .userspace_addr = (uintptr_t)mem};
    if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &reg) < 0) die("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
    if (ram_size > low_size) {
        reg.slot = 1;
        reg.guest_phys_addr = 0x100000000ULL;
        reg.memory_size = ram_size - low_size;
        reg.userspace_addr = (uintptr_t)mem + low_size;
        if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &reg) < 0) die("KVM_SET_USER_MEMORY_REGION high: %s", strerror(errno));
    }
    load_guest(argv[optind]);
    setup_memory_tables();

    run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    struct vcpu *v = calloc(ncpus, sizeof *v);
    for (int i = 0; i < ncpus; i++) {
        v[i].idx = i;
        v[i].fd = ioctl(vm_fd, KVM_CREATE_VCPU, i);
        if (v[i].fd < 0) die("KVM_CREATE_VCPU %d: %s", i, strerror(errno));
        v[i].run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v[i].fd, 0);
        if (v[i].run == MAP_FAILED) die("mmap kvm_run: %s", strerror(errno));
        setup_vcpu(v[i].fd, i);
    }
    dprintf(1, "[harness] %s mode, entry 0x%llx, %d vCPU(s), %llu MiB, cmdline \"%s\"\n",
            mode == M64 ? "64-bit" : mode == M32 ? "32-bit" : "16-bit", (unsigned long long)entry, ncpus,
            (unsigned long long)(ram_size >> 20), cmdline);
    for (int i = 0; i < ncpus; i++)
        if (pthread_create(&v[i].th, NULL, vcpu_thread, &v[i])) die("pthread_create");
    sleep(timeout);
    finish(124, "timeout after %d s", timeout);
}
