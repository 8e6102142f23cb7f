/* Test-only mock virtio-mmio devices for kvm-harness (built as kvm-harness-virtio with -DVIRTIO_MOCK).
 * It exists only to check virtio.elf64's driver logic here before the Java VMM is ready; it is a
 * simplistic model (no interrupts, in-memory 64-sector disk with sector 0 = 00 01 02 ..., net loopback). */
#define MOCK_SLOTS 8
#define MOCK_QMAX 16

struct mq { uint32_t num, ready; uint64_t desc, avail, used; uint16_t last_avail, used_idx; };
struct mdev {
    int id;
    uint32_t status, dfsel, drfsel, qsel, isr;
    uint64_t drv_features;
    struct mq q[3];
    uint8_t disk[64 * 512];
};
static struct mdev mdevs[MOCK_SLOTS];
static int nmock;

struct vdesc { uint64_t addr; uint32_t len; uint16_t flags, next; };

static void mock_add(const char *list) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *t = strtok(buf, ","); t && nmock < MOCK_SLOTS; t = strtok(NULL, ",")) {
        int id = !strcmp(t, "net") ? 1 : !strcmp(t, "blk") ? 2 : !strcmp(t, "console") ? 3 : !strcmp(t, "rng") ? 4 : !strcmp(t, "vsock") ? 19 : -1;
        if (id < 0) die("unknown mock device %s", t);
        mdevs[nmock].id = id;
        for (int i = 0; i < 512; i++) mdevs[nmock].disk[i] = (uint8_t)i;
        nmock++;
    }
}

static int mock_nq(int id) { return id == 1 || id == 3 ? 2 : id == 19 ? 3 : 1; }

static void mock_used(struct mq *q, uint16_t head, uint32_t len) {
    uint8_t *u = gpa(q->used, 4 + 8 * q->num);
    if (!u) die("mock: bad used ring");
    uint32_t e[2] = {head, len};
    memcpy(u + 4 + 8 * (q->used_idx % q->num), e, 8);
    __sync_synchronize();
    q->used_idx++;
    memcpy(u + 2, &q->used_idx, 2);
}

/* Collects the chain at head into descs; returns count. */
static int mock_chain(struct mq *q, uint16_t head, struct vdesc *out, int max) {
    struct vdesc *dt = gpa(q->desc, 16 * q->num);
    int n = 0;
    for (uint16_t i = head; n < max; i = dt[i].next) {
        if (i >= q->num) die("mock: bad desc index %u", i);
        out[n++] = dt[i];
        if (!(dt[i].flags & 1)) break;
    }
    return n;
}

static int mock_pop(struct mq *q, uint16_t *head) {
    uint8_t *a = gpa(q->avail, 4 + 2 * q->num);
    if (!q->ready || !a) return 0;
    uint16_t idx;
    memcpy(&idx, a + 2, 2);
    if (idx == q->last_avail) return 0;
    memcpy(head, a + 4 + 2 * (q->last_avail % q->num), 2);
    q->last_avail++;
    return 1;
}

static void mock_notify(struct mdev *d, uint32_t qi) {
    if (qi >= 3) return;
    struct mq *q = &d->q[qi];
    uint16_t head;
    struct vdesc c[8];
    if (d->id == 1 && qi == 0) return; /* rx buffers wait for tx loopback */
    while (mock_pop(q, &head)) {
        int n = mock_chain(q, head, c, 8);
        uint32_t len = 0;
        if (d->id == 4) {
            for (int i = 0; i < n; i++) {
                uint8_t *p = gpa(c[i].addr, c[i].len);
                for (uint32_t j = 0; j < c[i].len; j++) p[j] = (uint8_t)rand();
                len += c[i].len;
            }
        } else if (d->id == 2) {
            if (n != 3) die("mock blk: chain of %d", n);
            uint32_t type; uint64_t sector;
            uint8_t *h = gpa(c[0].addr, 16), *data = gpa(c[1].addr, c[1].len), *st = gpa(c[2].addr, 1);
            memcpy(&type, h, 4); memcpy(&sector, h + 8, 8);
            if (sector * 512 + c[1].len > sizeof d->disk) *st = 1;
            else {
                if (type == 0) { memcpy(data, d->disk + sector * 512, c[1].len); len = c[1].len; }
                else if (type == 1) memcpy(d->disk + sector * 512, data, c[1].len);
                *st = 0;
            }
            len += 1;
        } else if ((d->id == 3 || d->id == 1) && qi == 1) {
            uint8_t frame[2048]; uint32_t fl = 0;
            for (int i = 0; i < n && fl + c[i].len <= sizeof frame; i++) { memcpy(frame + fl, gpa(c[i].addr, c[i].len), c[i].len); fl += c[i].len; }
            if (d->id == 3) { dprintf(1, "[mock console] "); if (write(1, frame, fl) < 0) {} }
            else {
                dprintf(1, "[mock net] tx %u bytes (incl. 12-byte header), looping back\n", fl);
                uint16_t rh; struct vdesc rc[4];
                if (mock_pop(&d->q[0], &rh)) {
                    mock_chain(&d->q[0], rh, rc, 4);
                    if (rc[0].len < fl) die("mock net: rx buffer too small");
                    frame[10] = 1; frame[11] = 0; /* num_buffers = 1 */
                    memcpy(gpa(rc[0].addr, fl), frame, fl);
                    mock_used(&d->q[0], rh, fl);
                }
            }
        }
        mock_used(q, head, len);
    }
    d->isr |= 1;
}

static int mock_mmio(uint64_t a, int len, int is_write, uint8_t *data) {
    if (a < 0xd0000000ULL || a >= 0xd0000000ULL + 0x1000ULL * nmock) return 0;
    struct mdev *d = &mdevs[(a - 0xd0000000ULL) >> 12];
    uint32_t off = a & 0xfff, v = 0;
    if (off >= 0x100) {
        uint8_t cfg[16] = {0};
        uint64_t x = d->id == 2 ? 64 : d->id == 19 ? 3 : 0;
        memcpy(cfg, &x, 8);
        if (d->id == 1) memcpy(cfg, "\x52\x54\x00\xab\xcd\xef", 6);
        if (!is_write) { memset(data, 0, len); if (off - 0x100 + len <= 16) memcpy(data, cfg + off - 0x100, len); }
        return 1;
    }
    if (len != 4) die("mock: %d-byte access to register 0x%x", len, off);
    struct mq *q = &d->q[d->qsel < 3 ? d->qsel : 0];
    if (is_write) {
        memcpy(&v, data, 4);
        switch (off) {
        case 0x014: d->dfsel = v; break;
        case 0x020: if (d->drfsel < 2) { d->drv_features &= ~(0xffffffffULL << (32 * d->drfsel)); d->drv_features |= (uint64_t)v << (32 * d->drfsel); } break;
        case 0x024: d->drfsel = v; break;
        case 0x030: d->qsel = v; break;
        case 0x038: q->num = v; break;
        case 0x044: q->ready = v; break;
        case 0x050: mock_notify(d, v); break;
        case 0x064: d->isr &= ~v; break;
        case 0x070:
            if (v == 0) { int id = d->id; uint8_t disk0[512]; memcpy(disk0, d->disk, 512); memset(d->q, 0, sizeof d->q); d->status = 0; d->drv_features = 0; d->id = id; }
            else {
                if ((v & 8) && !(d->status & 8) && !(d->drv_features >> 32 & 1)) v &= ~8u; /* refuse FEATURES_OK without VERSION_1 */
                d->status = v;
            }
            break;
        case 0x080: q->desc = (q->desc & ~0xffffffffULL) | v; break;
        case 0x084: q->desc = (q->desc & 0xffffffffULL) | (uint64_t)v << 32; break;
        case 0x090: q->avail = (q->avail & ~0xffffffffULL) | v; break;
        case 0x094: q->avail = (q->avail & 0xffffffffULL) | (uint64_t)v << 32; break;
        case 0x0a0: q->used = (q->used & ~0xffffffffULL) | v; break;
        case 0x0a4: q->used = (q->used & 0xffffffffULL) | (uint64_t)v << 32; break;
        default: die("mock: write to register 0x%x", off);
        }
        return 1;
    }
    switch (off) {
    case 0x000: v = 0x74726976; break;
    case 0x004: v = 2; break;
    case 0x008: v = d->id; break;
    case 0x00c: v = 0x554d4551; break;
    case 0x010: v = d->dfsel == 1 ? 1 : d->dfsel == 0 && d->id == 1 ? 1u << 5 : 0; break;
    case 0x034: v = d->qsel < (uint32_t)mock_nq(d->id) ? MOCK_QMAX : 0; break;
    case 0x044: v = q->ready; break;
    case 0x060: v = d->isr; break;
    case 0x070: v = d->status; break;
    case 0x0fc: v = 0; break;
    default: die("mock: read of register 0x%x", off);
    }
    memcpy(data, &v, 4);
    return 1;
}
