/* virtio.elf64: polling virtio-mmio (version 2) driver with split virtqueues.
 * Command line: test=rng,blk,console,net,vsock,9p  blkloop=N  timeout=SECONDS (default 10, TSC at 3 GHz)
 *   vsockport=N (default 1234): the vsock test connects to host CID 2 port N and expects an echo;
 *   vsockport=0 only reads guest_cid.
 *   9ppath=a/b/c (required by the 9p test): the file the 9p test walks to, opens and reads (9P2000.u).
 * Devices probed: the virtio_mmio.device=4K@0x...:IRQ entries of the command line (probing an empty
 * slot is an unclaimed-MMIO fault per CONTRACT.md); without any such entry, slots 0..7 are probed. */
#include "lib.h"

#define VIRTIO_MMIO_BASE 0xd0000000UL
#define VIRTIO_MAGIC 0x74726976

enum {
    R_MAGIC = 0x000, R_VERSION = 0x004, R_DEVICE_ID = 0x008, R_VENDOR = 0x00c,
    R_DEV_FEATURES = 0x010, R_DEV_FEATURES_SEL = 0x014, R_DRV_FEATURES = 0x020, R_DRV_FEATURES_SEL = 0x024,
    R_QUEUE_SEL = 0x030, R_QUEUE_NUM_MAX = 0x034, R_QUEUE_NUM = 0x038, R_QUEUE_READY = 0x044,
    R_QUEUE_NOTIFY = 0x050, R_INT_STATUS = 0x060, R_INT_ACK = 0x064, R_STATUS = 0x070,
    R_QUEUE_DESC_LO = 0x080, R_QUEUE_DESC_HI = 0x084, R_QUEUE_DRIVER_LO = 0x090, R_QUEUE_DRIVER_HI = 0x094,
    R_QUEUE_DEVICE_LO = 0x0a0, R_QUEUE_DEVICE_HI = 0x0a4, R_CONFIG_GEN = 0x0fc, R_CONFIG = 0x100,
};
enum { S_ACK = 1, S_DRIVER = 2, S_DRIVER_OK = 4, S_FEATURES_OK = 8, S_NEEDS_RESET = 64, S_FAILED = 128 };
enum { ID_NET = 1, ID_BLK = 2, ID_CONSOLE = 3, ID_RNG = 4, ID_9P = 9, ID_VSOCK = 19 };

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define QSIZE_MAX 16

struct vring_desc { uint64_t addr; uint32_t len; uint16_t flags; uint16_t next; };
struct vring_avail { uint16_t flags; uint16_t idx; uint16_t ring[QSIZE_MAX]; uint16_t used_event; };
struct vring_used_elem { uint32_t id; uint32_t len; };
struct vring_used { uint16_t flags; uint16_t idx; struct vring_used_elem ring[QSIZE_MAX]; uint16_t avail_event; };

struct vq {
    unsigned index, num;
    volatile struct vring_desc *desc;
    volatile struct vring_avail *avail;
    volatile struct vring_used *used;
    uint16_t avail_idx, used_idx, free_desc;
};
struct vdev { uintptr_t base; unsigned slot, id; struct vq q[3]; };
struct sg { void *addr; uint32_t len; int write; };

static uint64_t timeout_cycles;
static int fails;

#define FAILF(...) do { printf("FAIL " __VA_ARGS__); fails++; } while (0)

/* ---- bump allocator in .bss (the image sits at 1 MiB, so everything is below 16 MiB) ---- */
static uint8_t pool[1 << 20] __attribute__((aligned(4096)));
static size_t pool_off;

static void *alloc(size_t size, size_t align) {
    pool_off = (pool_off + align - 1) & ~(align - 1);
    if (pool_off + size > sizeof pool) {
        printf("FAIL out of pool memory\n");
        exit(99);
    }
    void *p = pool + pool_off;
    pool_off += size;
    memset(p, 0, size);
    return p;
}

static uint32_t rd(struct vdev *d, unsigned off) { return mmio_read32(d->base + off); }
static void wr(struct vdev *d, unsigned off, uint32_t v) { mmio_write32(d->base + off, v); }

static uint64_t config64(struct vdev *d, unsigned off) {
    uint32_t gen, lo, hi;
    unsigned tries = 0;
    do {
        gen = rd(d, R_CONFIG_GEN);
        lo = rd(d, R_CONFIG + off);
        hi = rd(d, R_CONFIG + off + 4);
    } while (gen != rd(d, R_CONFIG_GEN) && ++tries < 1000);
    return ((uint64_t)hi << 32) | lo;
}

static int setup_queue(struct vdev *d, unsigned qi) {
    struct vq *q = &d->q[qi];
    wr(d, R_QUEUE_SEL, qi);
    if (rd(d, R_QUEUE_READY)) { FAILF("slot %u queue %u already ready after reset\n", d->slot, qi); return -1; }
    unsigned max = rd(d, R_QUEUE_NUM_MAX);
    if (max == 0) { FAILF("slot %u queue %u not available (QueueNumMax 0)\n", d->slot, qi); return -1; }
    q->index = qi;
    q->num = max < QSIZE_MAX ? max : QSIZE_MAX;
    q->desc = alloc(sizeof(struct vring_desc) * QSIZE_MAX, 4096);
    q->avail = alloc(sizeof(struct vring_avail), 4096);
    q->used = alloc(sizeof(struct vring_used), 4096);
    q->avail_idx = q->used_idx = q->free_desc = 0;
    uintptr_t da = (uintptr_t)q->desc, aa = (uintptr_t)q->avail, ua = (uintptr_t)q->used;
    wr(d, R_QUEUE_NUM, q->num);
    wr(d, R_QUEUE_DESC_LO, (uint32_t)da);
    wr(d, R_QUEUE_DESC_HI, (uint32_t)(da >> 32));
    wr(d, R_QUEUE_DRIVER_LO, (uint32_t)aa);
    wr(d, R_QUEUE_DRIVER_HI, (uint32_t)(aa >> 32));
    wr(d, R_QUEUE_DEVICE_LO, (uint32_t)ua);
    wr(d, R_QUEUE_DEVICE_HI, (uint32_t)(ua >> 32));
    mb();
    wr(d, R_QUEUE_READY, 1);
    printf("slot %u queue %u: size %u (max %u) desc %p avail %p used %p\n", d->slot, qi, q->num, max,
           (void *)da, (void *)aa, (void *)ua);
    return 0;
}

/* Standard init; accepts VERSION_1 plus (lo_accept & offered low features). */
static int dev_init(struct vdev *d, uint32_t lo_accept, unsigned nqueues, uint32_t *lo_out) {
    wr(d, R_STATUS, 0);
    unsigned i;
    for (i = 0; i < 1000000 && rd(d, R_STATUS) != 0; i++) cpu_relax();
    if (rd(d, R_STATUS) != 0) { FAILF("slot %u reset did not complete\n", d->slot); return -1; }
    wr(d, R_STATUS, S_ACK);
    wr(d, R_STATUS, S_ACK | S_DRIVER);
    wr(d, R_DEV_FEATURES_SEL, 0);
    uint32_t lo = rd(d, R_DEV_FEATURES);
    wr(d, R_DEV_FEATURES_SEL, 1);
    uint32_t hi = rd(d, R_DEV_FEATURES);
    printf("slot %u device features %x:%08x\n", d->slot, hi, lo);
    if (!(hi & 1)) { FAILF("slot %u does not offer VIRTIO_F_VERSION_1\n", d->slot); wr(d, R_STATUS, S_FAILED); return -1; }
    lo &= lo_accept;
    wr(d, R_DRV_FEATURES_SEL, 0);
    wr(d, R_DRV_FEATURES, lo);
    wr(d, R_DRV_FEATURES_SEL, 1);
    wr(d, R_DRV_FEATURES, 1);
    wr(d, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    if (!(rd(d, R_STATUS) & S_FEATURES_OK)) { FAILF("slot %u FEATURES_OK did not stick\n", d->slot); wr(d, R_STATUS, S_FAILED); return -1; }
    for (unsigned qi = 0; qi < nqueues; qi++)
        if (setup_queue(d, qi)) { wr(d, R_STATUS, S_FAILED); return -1; }
    wr(d, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    uint32_t st = rd(d, R_STATUS);
    if (st & (S_NEEDS_RESET | S_FAILED) || !(st & S_DRIVER_OK)) { FAILF("slot %u bad status %x after DRIVER_OK\n", d->slot, st); return -1; }
    if (lo_out) *lo_out = lo;
    return 0;
}

/* Puts a descriptor chain on the avail ring; returns the head index. No notify. */
static uint16_t vq_add(struct vq *q, const struct sg *sg, unsigned n) {
    uint16_t head = q->free_desc;
    for (unsigned i = 0; i < n; i++) {
        uint16_t di = (uint16_t)((head + i) % q->num);
        q->desc[di].addr = (uintptr_t)sg[i].addr;
        q->desc[di].len = sg[i].len;
        q->desc[di].flags = (uint16_t)((sg[i].write ? VRING_DESC_F_WRITE : 0) | (i + 1 < n ? VRING_DESC_F_NEXT : 0));
        q->desc[di].next = (uint16_t)((di + 1) % q->num);
    }
    q->free_desc = (uint16_t)((head + n) % q->num);
    q->avail->ring[q->avail_idx % q->num] = head;
    wmb();
    q->avail_idx++;
    q->avail->idx = q->avail_idx;
    mb();
    return head;
}

static void vq_kick(struct vdev *d, struct vq *q) {
    mb();
    wr(d, R_QUEUE_NOTIFY, q->index);
}

/* Waits for the next used element. Returns 0 and fills id/len, or -1 on timeout. */
static int vq_wait(struct vdev *d, struct vq *q, uint32_t *id, uint32_t *len, uint64_t cycles) {
    uint64_t t0 = rdtsc();
    while (q->used->idx == q->used_idx) {
        cpu_relax();
        if (rdtsc() - t0 > cycles) return -1;
    }
    rmb();
    volatile struct vring_used_elem *e = &q->used->ring[q->used_idx % q->num];
    *id = e->id;
    *len = e->len;
    q->used_idx++;
    uint32_t isr = rd(d, R_INT_STATUS);
    if (isr) wr(d, R_INT_ACK, isr);
    return 0;
}

/* Synchronous request: add, kick, wait, check the head comes back. Returns used len or -1. */
static int64_t vq_request(struct vdev *d, struct vq *q, const struct sg *sg, unsigned n, const char *what) {
    uint16_t head = vq_add(q, sg, n);
    vq_kick(d, q);
    uint32_t id, len;
    if (vq_wait(d, q, &id, &len, timeout_cycles)) { FAILF("%s: timeout waiting for used ring (slot %u queue %u)\n", what, d->slot, q->index); return -1; }
    if (id != head) { FAILF("%s: used id %u, expected %u\n", what, id, head); return -1; }
    return len;
}

/* ---------------- rng ---------------- */
static int fill_rng(struct vdev *d, uint8_t *buf, uint32_t n) {
    uint32_t got = 0;
    for (int tries = 0; got < n && tries < 64; tries++) {
        struct sg sg = {buf + got, n - got, 1};
        int64_t len = vq_request(d, &d->q[0], &sg, 1, "rng");
        if (len < 0) return -1;
        if (len > n - got) { FAILF("rng: used len %ld larger than buffer\n", (long)len); return -1; }
        got += (uint32_t)len;
    }
    if (got < n) { FAILF("rng: only %u of %u bytes\n", got, n); return -1; }
    return 0;
}

static void test_rng(struct vdev *d) {
    if (dev_init(d, 0, 1, NULL)) return;
    uint8_t *a = alloc(64, 64), *b = alloc(64, 64);
    if (fill_rng(d, a, 64) || fill_rng(d, b, 64)) return;
    int nz = 0;
    for (int i = 0; i < 64; i++) nz |= a[i] | b[i];
    printf("rng: ");
    puthexbytes(a, 16);
    puts("...\n");
    if (!nz) { FAILF("rng: all zero\n"); return; }
    if (!memcmp(a, b, 64)) { FAILF("rng: two reads identical\n"); return; }
    printf("OK rng 64 bytes\n");
}

/* ---------------- blk ---------------- */
struct blk_req { uint32_t type, reserved; uint64_t sector; };
static struct blk_req *breq;
static uint8_t *bstatus;

static int blk_io(struct vdev *d, uint32_t type, uint64_t sector, void *data) {
    breq->type = type;
    breq->reserved = 0;
    breq->sector = sector;
    *bstatus = 0xff;
    struct sg sg[3] = {{breq, sizeof *breq, 0}, {data, 512, type == 0}, {bstatus, 1, 1}};
    int64_t len = vq_request(d, &d->q[0], sg, 3, type ? "blk write" : "blk read");
    if (len < 0) return -1;
    if (*bstatus != 0) { FAILF("blk %s sector %lu: status %u\n", type ? "write" : "read", (unsigned long)sector, *bstatus); return -1; }
    return 0;
}

static void test_blk(struct vdev *d, unsigned long loops) {
    if (dev_init(d, 0, 1, NULL)) return;
    uint64_t cap = config64(d, 0);
    printf("blk: capacity %lu sectors\n", (unsigned long)cap);
    breq = alloc(sizeof *breq, 16);
    bstatus = alloc(1, 1);
    uint8_t *w = alloc(512, 512), *r = alloc(512, 512);
    if (cap < 2) { FAILF("blk: capacity %lu too small for the write test\n", (unsigned long)cap); return; }
    for (int i = 0; i < 512; i++) w[i] = (uint8_t)((i * 7 + 0x3c) ^ (i >> 8));
    if (blk_io(d, 1, 1, w) || blk_io(d, 0, 1, r)) return;
    if (memcmp(w, r, 512)) { FAILF("blk: sector 1 read back differs\n"); return; }
    printf("OK blk sector 1 write/read\n");
    memset(r, 0, 512);
    if (blk_io(d, 0, 0, r)) return;
    printf("blk sector0 first16: ");
    puthexbytes(r, 16);
    puts("\n");
    if (loops) {
        if (cap < 3) { FAILF("blkloop: capacity too small\n"); return; }
        uint64_t t0 = rdtsc();
        for (unsigned long i = 0; i < loops; i++) {
            w[0] = (uint8_t)i;
            if (blk_io(d, 1, 2 + i % (cap - 2), w)) return;
        }
        uint64_t t1 = rdtsc();
        for (unsigned long i = 0; i < loops; i++)
            if (blk_io(d, 0, 2 + i % (cap - 2), r)) return;
        uint64_t t2 = rdtsc();
        printf("OK blkloop %lu sectors: write %lu cycles, read %lu cycles\n", loops,
               (unsigned long)(t1 - t0), (unsigned long)(t2 - t1));
    }
    printf("OK blk capacity %lu sectors\n", (unsigned long)cap);
}

/* ---------------- console ---------------- */
static void test_console(struct vdev *d) {
    if (dev_init(d, 0, 2, NULL)) return;
    static const char msg[] = "virtio-console says hi\n";
    char *buf = alloc(sizeof msg, 16);
    memcpy(buf, msg, sizeof msg - 1);
    struct sg sg = {buf, sizeof msg - 1, 0};
    if (vq_request(d, &d->q[1], &sg, 1, "console tx") < 0) return;
    printf("OK console\n");
}

/* ---------------- net ---------------- */
#define NET_HDR 12
#define NET_F_MAC (1u << 5)
#define RXBUF 2048

/* netarp=1: send an ARP who-has 192.168.65.1 (VPNKit's gateway) instead of the test frame */
static int net_arp;

static void test_net(struct vdev *d) {
    uint32_t feat;
    if (dev_init(d, NET_F_MAC, 2, &feat)) return;
    uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    if (feat & NET_F_MAC)
        for (int i = 0; i < 6; i++) mac[i] = mmio_read8(d->base + R_CONFIG + i);
    printf("net: features accepted %x, mac ", feat);
    for (int i = 0; i < 6; i++) printf(i ? ":%02x" : "%02x", mac[i]);
    puts("\n");

    uint8_t *rx[4];
    for (int i = 0; i < 4; i++) {
        rx[i] = alloc(RXBUF, 64);
        struct sg sg = {rx[i], RXBUF, 1};
        vq_add(&d->q[0], &sg, 1);
    }
    vq_kick(d, &d->q[0]);

    static const char payload[] = "dockyard-net-test";
    uint32_t flen = 60;
    uint8_t *tx = alloc(NET_HDR + flen, 64); /* header zero: no csum, no gso, num_buffers 0 */
    uint8_t *f = tx + NET_HDR;
    memset(f, 0xff, 6);
    memcpy(f + 6, mac, 6);
    f[12] = 0x88;
    f[13] = 0xb5;
    memcpy(f + 14, payload, sizeof payload - 1);
    if (net_arp) {
        static const uint8_t arp[] = {0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1};
        memcpy(f + 12, arp, sizeof arp);
        memcpy(f + 22, mac, 6);
        f[28] = 192; f[29] = 168; f[30] = 65; f[31] = 2;
        memset(f + 32, 0, 6);
        f[38] = 192; f[39] = 168; f[40] = 65; f[41] = 1;
        flen = 42;
    }
    struct sg sg = {tx, NET_HDR + flen, 0};
    if (vq_request(d, &d->q[1], &sg, 1, "net tx") < 0) return;
    printf("OK net tx %u bytes\n", flen);

    uint32_t id, len;
    if (vq_wait(d, &d->q[0], &id, &len, timeout_cycles)) { FAILF("net: timeout waiting for a received frame\n"); return; }
    if (id >= 4 || len < NET_HDR + 14 || len > RXBUF) { FAILF("net: bad rx used elem id %u len %u\n", id, len); return; }
    printf("net rx used len %u, frame first14: ", len);
    puthexbytes(rx[id] + NET_HDR, 14);
    puts("\n");
    printf("OK net rx %u bytes\n", len - NET_HDR);
}

/* ---------------- vsock ---------------- */
/* virtio 1.2 section 5.10: queues 0 = rx, 1 = tx, 2 = event (not used here). One stream connection
 * guest cid:50000 -> host cid 2:vsockport; the host is expected to echo what it receives. */
#define VSOCK_HDR 44
#define VSOCK_RXBUF 4096
#define VSOCK_NRX 8
#define VSOCK_HOST_CID 2
#define VSOCK_SRC_PORT 50000
#define VSOCK_BUF_ALLOC 65536
#define VSOCK_TYPE_STREAM 1
enum { VS_REQUEST = 1, VS_RESPONSE = 2, VS_RST = 3, VS_SHUTDOWN = 4, VS_RW = 5, VS_CREDIT_UPDATE = 6, VS_CREDIT_REQUEST = 7 };

struct vsock_hdr {
    uint64_t src_cid, dst_cid;
    uint32_t src_port, dst_port, len;
    uint16_t type, op;
    uint32_t flags, buf_alloc, fwd_cnt;
} __attribute__((packed));
_Static_assert(sizeof(struct vsock_hdr) == VSOCK_HDR, "virtio_vsock_hdr must be 44 bytes");

static const char *const vsock_ops[] = {"op0", "REQUEST", "RESPONSE", "RST", "SHUTDOWN", "RW", "CREDIT_UPDATE", "CREDIT_REQUEST"};
static const char *const vsock_tx_what[] = {"vsock tx op0", "vsock tx REQUEST", "vsock tx RESPONSE", "vsock tx RST",
    "vsock tx SHUTDOWN", "vsock tx RW", "vsock tx CREDIT_UPDATE", "vsock tx CREDIT_REQUEST"};
static const char *vsock_op(uint16_t op) { return op < 8 ? vsock_ops[op] : "unknown-op"; }

static uint64_t vsock_port = 1234;

struct vsock {
    struct vdev *d;
    uint64_t cid;
    uint32_t port, nrx;
    uint8_t *rx[VSOCK_NRX];
    struct vsock_hdr *txh;
    uint8_t *txp;                       /* tx payload buffer, VSOCK_RXBUF bytes */
    uint32_t fwd_cnt, tx_cnt;           /* bytes we consumed / sent (RW payload) */
    uint32_t peer_buf_alloc, peer_fwd_cnt;
};

/* Puts descriptor `head` (already set up) back on the avail ring. No notify. */
static void vq_post(struct vq *q, uint16_t head) {
    q->avail->ring[q->avail_idx % q->num] = head;
    wmb();
    q->avail_idx++;
    q->avail->idx = q->avail_idx;
    mb();
}

/* Sends one packet of our connection: header descriptor, plus a payload descriptor when len > 0. */
static int vsock_send(struct vsock *v, uint16_t op, uint32_t flags, const void *data, uint32_t len) {
    struct vsock_hdr *h = v->txh;
    memset(h, 0, sizeof *h);
    h->src_cid = v->cid;
    h->dst_cid = VSOCK_HOST_CID;
    h->src_port = VSOCK_SRC_PORT;
    h->dst_port = v->port;
    h->len = len;
    h->type = VSOCK_TYPE_STREAM;
    h->op = op;
    h->flags = flags;
    h->buf_alloc = VSOCK_BUF_ALLOC;
    h->fwd_cnt = v->fwd_cnt;
    if (len) memcpy(v->txp, data, len);
    struct sg sg[2] = {{h, VSOCK_HDR, 0}, {v->txp, len, 0}};
    printf("vsock: tx %s len %u flags %u fwd_cnt %u\n", vsock_op(op), len, flags, v->fwd_cnt);
    if (vq_request(v->d, &v->d->q[1], sg, len ? 2 : 1, vsock_tx_what[op & 7]) < 0) return -1;
    if (op == VS_RW) v->tx_cnt += len;
    return 0;
}

/* Receives the next packet of our connection (waiting at most timeout_cycles from t0) into *h;
 * an RW payload is copied to data (at most cap bytes, more is a failure) and counted in fwd_cnt.
 * Records the peer's credit from every header, answers CREDIT_REQUEST itself, reposts the rx
 * buffer. Returns 0, or -1 after a FAIL line naming `what` (what was awaited). */
static int vsock_recv(struct vsock *v, struct vsock_hdr *h, uint8_t *data, uint32_t cap, uint64_t t0, const char *what) {
    struct vdev *d = v->d;
    struct vq *rq = &d->q[0];
    for (;;) {
        uint64_t el = rdtsc() - t0;
        uint32_t id, len;
        if (el >= timeout_cycles || vq_wait(d, rq, &id, &len, timeout_cycles - el)) {
            FAILF("vsock: timeout waiting for %s (slot %u rx queue)\n", what, d->slot);
            return -1;
        }
        if (id >= v->nrx) { FAILF("vsock: rx used id %u out of range (%u buffers) waiting for %s\n", id, v->nrx, what); return -1; }
        if (len < VSOCK_HDR || len > VSOCK_HDR + VSOCK_RXBUF) {
            FAILF("vsock: rx used len %u (header is %u, buffer %u) waiting for %s\n", len, VSOCK_HDR, VSOCK_HDR + VSOCK_RXBUF, what);
            return -1;
        }
        memcpy(h, v->rx[id], VSOCK_HDR);
        printf("vsock: rx %s len %u flags %u buf_alloc %u fwd_cnt %u (used len %u)\n", vsock_op(h->op), h->len,
               h->flags, h->buf_alloc, h->fwd_cnt, len);
        if (h->len > len - VSOCK_HDR) { FAILF("vsock: rx %s payload len %u but used len %u\n", vsock_op(h->op), h->len, len); return -1; }
        if (h->type != VSOCK_TYPE_STREAM || h->src_cid != VSOCK_HOST_CID || h->dst_cid != v->cid ||
            h->src_port != v->port || h->dst_port != VSOCK_SRC_PORT) {
            FAILF("vsock: rx %s type %u from %lu:%u to %lu:%u, expected type 1 from 2:%u to %lu:%u\n", vsock_op(h->op),
                  h->type, (unsigned long)h->src_cid, h->src_port, (unsigned long)h->dst_cid, h->dst_port, v->port,
                  (unsigned long)v->cid, VSOCK_SRC_PORT);
            return -1;
        }
        if (h->op == VS_RW) {
            if (h->len > cap) { FAILF("vsock: rx RW with %u bytes waiting for %s (room for %u)\n", h->len, what, cap); return -1; }
            memcpy(data, v->rx[id] + VSOCK_HDR, h->len);
            v->fwd_cnt += h->len;
        }
        v->peer_buf_alloc = h->buf_alloc;
        v->peer_fwd_cnt = h->fwd_cnt;
        vq_post(rq, (uint16_t)id);      /* descriptor id still describes rx[id] */
        vq_kick(d, rq);
        if (h->op == VS_CREDIT_REQUEST) {
            if (vsock_send(v, VS_CREDIT_UPDATE, 0, NULL, 0)) return -1;
            continue;
        }
        return 0;
    }
}

static int64_t vsock_credit(const struct vsock *v) {
    return (int64_t)v->peer_buf_alloc - (uint32_t)(v->tx_cnt - v->peer_fwd_cnt);
}

static char *fmt_dec(char *p, uint64_t x) {
    char tmp[24];
    int n = 0;
    do { tmp[n++] = (char)('0' + x % 10); x /= 10; } while (x);
    while (n) *p++ = tmp[--n];
    *p = 0;
    return p;
}

static void test_vsock(struct vdev *d) {
    if (vsock_port == 0) {
        if (dev_init(d, 0, 0, NULL)) return;
        uint64_t cid = config64(d, 0);
        printf("OK vsock cid %lu\n", (unsigned long)cid);
        return;
    }
    if (vsock_port > 0xffffffffULL) { FAILF("vsock: vsockport=%lu does not fit 32 bits\n", (unsigned long)vsock_port); return; }
    if (dev_init(d, 0, 3, NULL)) return;
    static struct vsock vs;
    struct vsock *v = &vs;
    memset(v, 0, sizeof *v);
    v->d = d;
    v->cid = config64(d, 0);
    v->port = (uint32_t)vsock_port;
    printf("vsock: guest cid %lu, connecting %lu:%u -> %u:%u\n", (unsigned long)v->cid, (unsigned long)v->cid,
           VSOCK_SRC_PORT, VSOCK_HOST_CID, v->port);
    if (v->cid < 3 || v->cid > 0xffffffffULL) { FAILF("vsock: guest cid %lu is reserved or invalid\n", (unsigned long)v->cid); return; }

    /* rx buffers: descriptor i permanently describes rx[i] (header + 4096 bytes, device-writable) */
    struct vq *rq = &d->q[0];
    v->nrx = rq->num < VSOCK_NRX ? rq->num : VSOCK_NRX;
    for (uint32_t i = 0; i < v->nrx; i++) {
        v->rx[i] = alloc(VSOCK_HDR + VSOCK_RXBUF, 64);
        rq->desc[i].addr = (uintptr_t)v->rx[i];
        rq->desc[i].len = VSOCK_HDR + VSOCK_RXBUF;
        rq->desc[i].flags = VRING_DESC_F_WRITE;
        rq->desc[i].next = 0;
        vq_post(rq, (uint16_t)i);
    }
    vq_kick(d, rq);
    v->txh = alloc(VSOCK_HDR, 64);
    v->txp = alloc(VSOCK_RXBUF, 64);

    struct vsock_hdr h;
    /* connect */
    uint64_t t0 = rdtsc();
    if (vsock_send(v, VS_REQUEST, 0, NULL, 0)) return;
    for (;;) {
        if (vsock_recv(v, &h, NULL, 0, t0, "RESPONSE to REQUEST")) return;
        if (h.op == VS_RESPONSE) break;
        if (h.op == VS_RST) { FAILF("vsock connection refused\n"); return; }
        if (h.op == VS_CREDIT_UPDATE) continue;
        FAILF("vsock: got %s while waiting for RESPONSE to REQUEST\n", vsock_op(h.op));
        return;
    }

    char msg[48];
    memcpy(msg, "ping from guest cid ", 20);
    uint32_t plen = (uint32_t)(fmt_dec(msg + 20, v->cid) - msg);

    /* the host's credit must allow the payload (5.10.6.3) */
    t0 = rdtsc();
    while (vsock_credit(v) < (int64_t)plen) {
        printf("vsock: host credit %ld < %u, asking for more\n", (long)vsock_credit(v), plen);
        if (vsock_send(v, VS_CREDIT_REQUEST, 0, NULL, 0)) return;
        if (vsock_recv(v, &h, NULL, 0, t0, "CREDIT_UPDATE with room for the payload")) return;
        if (h.op == VS_RST || h.op == VS_SHUTDOWN) { FAILF("vsock: host sent %s while waiting for credit\n", vsock_op(h.op)); return; }
        if (h.op != VS_CREDIT_UPDATE) { FAILF("vsock: got %s while waiting for CREDIT_UPDATE\n", vsock_op(h.op)); return; }
    }

    /* echo */
    if (vsock_send(v, VS_RW, 0, msg, plen)) return;
    char echo[48];
    uint32_t got = 0;
    t0 = rdtsc();
    while (got < plen) {
        if (vsock_recv(v, &h, (uint8_t *)echo + got, plen - got, t0, "RW echo")) return;
        if (h.op == VS_RW) { got += h.len; continue; }
        if (h.op == VS_CREDIT_UPDATE) continue;
        if (h.op == VS_RST || h.op == VS_SHUTDOWN) {
            FAILF("vsock: host sent %s after %u of %u echo bytes\n", vsock_op(h.op), got, plen);
            return;
        }
        FAILF("vsock: got %s while waiting for RW echo\n", vsock_op(h.op));
        return;
    }
    echo[got] = 0;
    if (memcmp(echo, msg, plen)) { FAILF("vsock: echo differs: sent '%s', got '%s'\n", msg, echo); return; }

    /* close: SHUTDOWN (no more send, no more receive), expect the host's RST (or its SHUTDOWN) */
    if (vsock_send(v, VS_SHUTDOWN, 3, NULL, 0)) return;
    t0 = rdtsc();
    for (;;) {
        if (vsock_recv(v, &h, NULL, 0, t0, "RST or SHUTDOWN after SHUTDOWN")) return;
        if (h.op == VS_RST) break;
        if (h.op == VS_SHUTDOWN) {          /* both sides shut down: finish with RST */
            if (vsock_send(v, VS_RST, 0, NULL, 0)) return;
            break;
        }
        if (h.op == VS_CREDIT_UPDATE) continue;
        FAILF("vsock: got %s while waiting for RST or SHUTDOWN after SHUTDOWN\n", vsock_op(h.op));
        return;
    }
    printf("OK vsock cid %lu echo %u bytes\n", (unsigned long)v->cid, got);
}

/* ---------------- 9p ---------------- */
/* virtio 1.2 section 5.15: config = le16 tag_len, tag[tag_len] (VIRTIO_9P_F_MOUNT_TAG, feature bit 0);
 * queue 0 "requests": one chain per request, device-readable T-message then a device-writable
 * buffer for the R-message (used len = R-message size). 9P2000.u, little-endian:
 * size[4] type[1] tag[2] body; strings are len[2] + bytes; qid = type[1] version[4] path[8]. */
#define P9_F_MOUNT_TAG 1u
#define P9_MSIZE 8192u
#define P9_NOTAG 0xffffu
#define P9_NOFID 0xffffffffu
#define P9_MAXWELEM 16
#define P9_QID 13
#define P9_READ_COUNT 4000u
#define P9_VERSION "9P2000.u"
enum { P9_TVERSION = 100, P9_RVERSION = 101, P9_TATTACH = 104, P9_RATTACH = 105, P9_RERROR = 107,
       P9_TWALK = 110, P9_RWALK = 111, P9_TOPEN = 112, P9_ROPEN = 113, P9_TREAD = 116, P9_RREAD = 117,
       P9_TCLUNK = 120, P9_RCLUNK = 121 };

static char p9_path[512];
static int p9_have_path;

struct p9 {
    struct vdev *d;
    uint8_t *tx, *rx;           /* P9_MSIZE bytes each */
    uint32_t tlen;              /* T-message bytes written so far */
    int tbad;                   /* T-message would not fit */
    uint32_t rlen, roff;        /* R-message size, parse offset */
    int rbad;                   /* parse ran past the R-message */
    uint16_t next_tag;
};

static void p9_put(struct p9 *c, const void *p, uint32_t n) {
    if (c->tbad || n > P9_MSIZE - c->tlen) { c->tbad = 1; return; }
    memcpy(c->tx + c->tlen, p, n);
    c->tlen += n;
}
static void p9_put8(struct p9 *c, uint8_t v) { p9_put(c, &v, 1); }
static void p9_put16(struct p9 *c, uint16_t v) { uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)}; p9_put(c, b, 2); }
static void p9_put32(struct p9 *c, uint32_t v) { p9_put16(c, (uint16_t)v); p9_put16(c, (uint16_t)(v >> 16)); }
static void p9_put64(struct p9 *c, uint64_t v) { p9_put32(c, (uint32_t)v); p9_put32(c, (uint32_t)(v >> 32)); }
static void p9_putstr(struct p9 *c, const char *s, uint32_t n) {
    if (n > 0xffff) { c->tbad = 1; return; }
    p9_put16(c, (uint16_t)n);
    p9_put(c, s, n);
}
/* Starts a T-message: size[4] (filled in by p9_rpc) type[1] tag[2]. */
static void p9_begin(struct p9 *c, uint8_t type, uint16_t tag) {
    c->tlen = 0;
    c->tbad = 0;
    p9_put32(c, 0);
    p9_put8(c, type);
    p9_put16(c, tag);
}
static uint16_t p9_newtag(struct p9 *c) { return c->next_tag++; }

static const uint8_t *p9_get(struct p9 *c, uint32_t n) {
    if (c->rbad || n > c->rlen - c->roff) { c->rbad = 1; return NULL; }
    const uint8_t *p = c->rx + c->roff;
    c->roff += n;
    return p;
}
static uint32_t p9_le(const uint8_t *p, unsigned n) {
    uint32_t v = 0;
    for (unsigned i = 0; i < n; i++) v |= (uint32_t)p[i] << (8 * i);
    return v;
}
static uint16_t p9_get16(struct p9 *c) { const uint8_t *p = p9_get(c, 2); return p ? (uint16_t)p9_le(p, 2) : 0; }
static uint32_t p9_get32(struct p9 *c) { const uint8_t *p = p9_get(c, 4); return p ? p9_le(p, 4) : 0; }
/* A string: returns its bytes (not NUL-terminated), length in *n; NULL if it does not fit. */
static const uint8_t *p9_getstr(struct p9 *c, uint16_t *n) {
    *n = p9_get16(c);
    const uint8_t *p = p9_get(c, *n);
    if (!p) *n = 0;
    return p;
}

/* Copies n bytes as text (non-printables as '.') into dst (cap > 0 bytes, NUL-terminated, truncated). */
static void p9_text(char *dst, size_t cap, const uint8_t *src, size_t n) {
    size_t i;
    for (i = 0; i < n && i + 1 < cap; i++) dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '.';
    dst[i] = 0;
}

/* Sends the T-message in tx (fills in its size), waits for the R-message and checks its size field
 * against the used length, its tag against the T-message's and its type against rtype (an Rerror is
 * reported as "FAIL 9p <step>: <ename> errno <n>"). Returns 0 with the parser just past the header,
 * or -1 after a FAIL line. */
static int p9_rpc(struct p9 *c, const char *step, uint8_t rtype) {
    if (c->tbad) { FAILF("9p %s: T-message does not fit msize %u\n", step, P9_MSIZE); return -1; }
    c->tx[0] = (uint8_t)c->tlen;
    c->tx[1] = (uint8_t)(c->tlen >> 8);
    c->tx[2] = (uint8_t)(c->tlen >> 16);
    c->tx[3] = (uint8_t)(c->tlen >> 24);
    uint16_t tag = (uint16_t)p9_le(c->tx + 5, 2);
    memset(c->rx, 0, P9_MSIZE);
    char what[40];
    size_t sl = strlen(step);
    if (sl > sizeof what - 4) sl = sizeof what - 4;
    memcpy(what, "9p ", 3);
    memcpy(what + 3, step, sl);
    what[3 + sl] = 0;
    struct sg sg[2] = {{c->tx, c->tlen, 0}, {c->rx, P9_MSIZE, 1}};
    int64_t len = vq_request(c->d, &c->d->q[0], sg, 2, what);
    if (len < 0) return -1;
    if (len < 7 || len > P9_MSIZE) { FAILF("9p %s: used length %ld, expected 7..%u\n", step, (long)len, P9_MSIZE); return -1; }
    uint32_t size = p9_le(c->rx, 4);
    uint8_t type = c->rx[4];
    uint16_t rtag = (uint16_t)p9_le(c->rx + 5, 2);
    if (size != (uint32_t)len) { FAILF("9p %s: R-message size field %u but used length %ld\n", step, size, (long)len); return -1; }
    if (rtag != tag) { FAILF("9p %s: reply tag %u, expected %u (reply type %u)\n", step, rtag, tag, type); return -1; }
    c->rlen = size;
    c->roff = 7;
    c->rbad = 0;
    if (type == P9_RERROR && rtype != P9_RERROR) {
        uint16_t n;
        const uint8_t *e = p9_getstr(c, &n);
        uint32_t err = p9_get32(c);
        if (c->rbad || c->roff != c->rlen) { FAILF("9p %s: malformed Rerror (size %u)\n", step, size); return -1; }
        char ename[200];
        p9_text(ename, sizeof ename, e, n);
        FAILF("9p %s: %s errno %u\n", step, ename, err);
        return -1;
    }
    if (type != rtype) { FAILF("9p %s: reply type %u, expected %u\n", step, type, rtype); return -1; }
    return 0;
}

/* The reply must have been parsed exactly to its end. */
static int p9_done(struct p9 *c, const char *step, uint8_t rtype) {
    if (c->rbad) { FAILF("9p %s: R-message type %u too short (size %u)\n", step, rtype, c->rlen); return -1; }
    if (c->roff != c->rlen) { FAILF("9p %s: R-message type %u has size %u, expected %u\n", step, rtype, c->rlen, c->roff); return -1; }
    return 0;
}

static int p9_clunk(struct p9 *c, uint32_t fid, const char *step) {
    p9_begin(c, P9_TCLUNK, p9_newtag(c));
    p9_put32(c, fid);
    if (p9_rpc(c, step, P9_RCLUNK)) return -1;
    return p9_done(c, step, P9_RCLUNK);
}

static void test_9p(struct vdev *d) {
    uint32_t feat;
    if (dev_init(d, P9_F_MOUNT_TAG, 1, &feat)) return;
    if (!(feat & P9_F_MOUNT_TAG)) { FAILF("9p: device does not offer VIRTIO_9P_F_MOUNT_TAG\n"); return; }
    if (d->q[0].num < 2) { FAILF("9p: queue size %u cannot hold a 2-descriptor chain\n", d->q[0].num); return; }

    /* mount tag: le16 tag_len, then the bytes (1-byte reads), consistent under ConfigGeneration */
    uint8_t tag[256];
    uint16_t tag_len;
    uint32_t gen;
    unsigned tries = 0;
    do {
        gen = rd(d, R_CONFIG_GEN);
        tag_len = mmio_read16(d->base + R_CONFIG);
        for (unsigned i = 0; i < tag_len && i < sizeof tag; i++) tag[i] = mmio_read8(d->base + R_CONFIG + 2 + i);
    } while (gen != rd(d, R_CONFIG_GEN) && ++tries < 1000);
    if (tag_len == 0 || tag_len > sizeof tag) { FAILF("9p: tag_len %u, expected 1..%u\n", tag_len, (unsigned)sizeof tag); return; }
    char tagtxt[sizeof tag + 1];
    p9_text(tagtxt, sizeof tagtxt, tag, tag_len);
    printf("9p tag %s\n", tagtxt);

    /* 9ppath=a/b/c -> up to 16 names (empty components are skipped) */
    if (!p9_have_path) { FAILF("9p: no 9ppath= option on the command line\n"); return; }
    if (strlen(p9_path) + 1 >= sizeof p9_path) { FAILF("9p: 9ppath longer than %u bytes\n", (unsigned)sizeof p9_path - 2); return; }
    const char *names[P9_MAXWELEM];
    uint32_t nlen[P9_MAXWELEM];
    unsigned nnames = 0;
    for (const char *p = p9_path; *p;) {
        const char *e = p;
        while (*e && *e != '/') e++;
        if (e > p) {
            if (nnames == P9_MAXWELEM) { FAILF("9p: 9ppath=%s has more than %u names\n", p9_path, P9_MAXWELEM); return; }
            names[nnames] = p;
            nlen[nnames++] = (uint32_t)(e - p);
        }
        p = *e ? e + 1 : e;
    }

    static struct p9 conn;
    struct p9 *c = &conn;
    memset(c, 0, sizeof *c);
    c->d = d;
    c->tx = alloc(P9_MSIZE, 4096);
    c->rx = alloc(P9_MSIZE, 4096);
    c->next_tag = 1;
    uint16_t n;
    const uint8_t *s;

    /* Tversion tag[NOTAG] msize[4] version[s] -> Rversion msize[4] version[s] */
    p9_begin(c, P9_TVERSION, P9_NOTAG);
    p9_put32(c, P9_MSIZE);
    p9_putstr(c, P9_VERSION, sizeof P9_VERSION - 1);
    if (p9_rpc(c, "version", P9_RVERSION)) return;
    uint32_t msize = p9_get32(c);
    s = p9_getstr(c, &n);
    if (p9_done(c, "version", P9_RVERSION)) return;
    char vtxt[64];
    p9_text(vtxt, sizeof vtxt, s, n);
    if (n != sizeof P9_VERSION - 1 || memcmp(s, P9_VERSION, n)) { FAILF("9p version: server answered version '%s', expected " P9_VERSION "\n", vtxt); return; }
    if (msize > P9_MSIZE || msize < 24) { FAILF("9p version: server msize %u, expected 24..%u\n", msize, P9_MSIZE); return; }

    /* Tattach fid[4] afid[4] uname[s] aname[s] n_uname[4] -> Rattach qid[13] */
    p9_begin(c, P9_TATTACH, p9_newtag(c));
    p9_put32(c, 0);
    p9_put32(c, P9_NOFID);
    p9_putstr(c, "root", 4);
    p9_putstr(c, "", 0);
    p9_put32(c, 0);
    if (p9_rpc(c, "attach", P9_RATTACH)) return;
    p9_get(c, P9_QID);
    if (p9_done(c, "attach", P9_RATTACH)) return;

    /* Twalk fid[4] newfid[4] nwname[2] nwname*wname[s] -> Rwalk nwqid[2] nwqid*qid[13] */
    p9_begin(c, P9_TWALK, p9_newtag(c));
    p9_put32(c, 0);
    p9_put32(c, 1);
    p9_put16(c, (uint16_t)nnames);
    for (unsigned i = 0; i < nnames; i++) p9_putstr(c, names[i], nlen[i]);
    if (p9_rpc(c, "walk", P9_RWALK)) return;
    uint16_t nwqid = p9_get16(c);
    if (c->rbad || nwqid > nnames) { FAILF("9p walk: Rwalk nwqid %u for %u names (size %u)\n", nwqid, nnames, c->rlen); return; }
    p9_get(c, (uint32_t)nwqid * P9_QID);
    if (p9_done(c, "walk", P9_RWALK)) return;
    if (nwqid < nnames) { FAILF("9p walk stopped after %u of %u\n", nwqid, nnames); return; }

    /* Topen fid[4] mode[1] -> Ropen qid[13] iounit[4] */
    p9_begin(c, P9_TOPEN, p9_newtag(c));
    p9_put32(c, 1);
    p9_put8(c, 0);                      /* OREAD */
    if (p9_rpc(c, "open", P9_ROPEN)) return;
    p9_get(c, P9_QID);
    p9_get32(c);
    if (p9_done(c, "open", P9_ROPEN)) return;

    /* Tread fid[4] offset[8] count[4] -> Rread count[4] data[count] */
    uint32_t want = P9_READ_COUNT < msize - 11 ? P9_READ_COUNT : msize - 11;
    p9_begin(c, P9_TREAD, p9_newtag(c));
    p9_put32(c, 1);
    p9_put64(c, 0);
    p9_put32(c, want);
    if (p9_rpc(c, "read", P9_RREAD)) return;
    uint32_t count = p9_get32(c);
    if (c->rbad || count > want) { FAILF("9p read: Rread count %u for %u requested (size %u)\n", count, want, c->rlen); return; }
    const uint8_t *data = p9_get(c, count);
    if (p9_done(c, "read", P9_RREAD)) return;
    printf("9p read %u bytes: ", count);
    for (uint32_t i = 0; i < count; i++) serial_putc((data[i] >= 0x20 && data[i] < 0x7f) ? (char)data[i] : '.');
    puts("\n");

    if (p9_clunk(c, 1, "clunk") || p9_clunk(c, 0, "clunk root")) return;
    printf("OK 9p\n");
}

/* ---------------- main ---------------- */
static const struct { const char *name; unsigned id; } tests[] = {
    {"rng", ID_RNG}, {"blk", ID_BLK}, {"console", ID_CONSOLE}, {"net", ID_NET}, {"vsock", ID_VSOCK},
    {"9p", ID_9P},
};
#define NTESTS (sizeof tests / sizeof tests[0])

int main64(const char *cmdline, unsigned cpu, unsigned ncpus, unsigned long ram) {
    (void)ncpus; (void)ram;
    if (cpu != 0) halt_forever();
    char buf[128];
    int want[NTESTS] = {0}, found[NTESTS] = {0};
    if (!cmdline_get(cmdline, "test", buf, sizeof buf)) {
        printf("FAIL no test= option on the command line\n");
        return 2;
    }
    for (const char *p = buf; *p;) {
        const char *e = p;
        while (*e && *e != ',') e++;
        unsigned t;
        for (t = 0; t < NTESTS; t++)
            if ((size_t)(e - p) == strlen(tests[t].name) && !strncmp(p, tests[t].name, (size_t)(e - p))) break;
        if (t == NTESTS) { printf("FAIL unknown test in test=%s\n", buf); return 2; }
        want[t] = 1;
        p = *e ? e + 1 : e;
    }
    unsigned long loops = cmdline_get(cmdline, "blkloop", buf, sizeof buf) ? parse_u64(buf, NULL) : 0;
    uint64_t secs = cmdline_get(cmdline, "timeout", buf, sizeof buf) ? parse_u64(buf, NULL) : 10;
    if (cmdline_get(cmdline, "vsockport", buf, sizeof buf)) vsock_port = parse_u64(buf, NULL);
    if (cmdline_get(cmdline, "netarp", buf, sizeof buf)) net_arp = parse_u64(buf, NULL) != 0;
    p9_have_path = cmdline_get(cmdline, "9ppath", p9_path, sizeof p9_path);
    timeout_cycles = secs * 3000000000ULL;

    uintptr_t addrs[8];
    unsigned naddrs = 0;
    for (const char *p = cmdline; (p = strstr(p, "virtio_mmio.device=")) != NULL && naddrs < 8;) {
        p += 19;
        const char *at = p;
        while (*at && *at != '@' && *at != ' ') at++;
        if (*at != '@') continue;
        uint64_t a = parse_u64(at + 1, &p);
        if (a < VIRTIO_MMIO_BASE || a >= VIRTIO_MMIO_BASE + 8 * 0x1000 || (a & 0xfff)) {
            printf("FAIL virtio_mmio.device address %p outside 0xd0000000..0xd0007fff\n", (void *)(uintptr_t)a);
            return 2;
        }
        addrs[naddrs++] = (uintptr_t)a;
    }
    if (naddrs == 0) {
        printf("no virtio_mmio.device= on the command line: probing slots 0..7\n");
        for (; naddrs < 8; naddrs++) addrs[naddrs] = VIRTIO_MMIO_BASE + naddrs * 0x1000UL;
    }

    static struct vdev devs[8];
    for (unsigned i = 0; i < naddrs; i++) {
        struct vdev *d = &devs[i];
        d->base = addrs[i];
        d->slot = (unsigned)((addrs[i] - VIRTIO_MMIO_BASE) >> 12);
        uint32_t magic = rd(d, R_MAGIC), ver = rd(d, R_VERSION);
        d->id = rd(d, R_DEVICE_ID);
        if (magic != VIRTIO_MAGIC) { printf("slot %u: no virtio magic (%x)\n", d->slot, magic); continue; }
        if (d->id == 0) { printf("slot %u: placeholder (device id 0)\n", d->slot); continue; }
        printf("slot %u at %p: virtio id %u version %u vendor %x\n", d->slot, (void *)d->base, d->id, ver, rd(d, R_VENDOR));
        if (ver != 2) { FAILF("slot %u: version %u, need 2 (modern)\n", d->slot, ver); continue; }
        unsigned t;
        for (t = 0; t < NTESTS && tests[t].id != d->id; t++) {}
        if (t == NTESTS || !want[t]) continue;
        found[t]++;
        switch (d->id) {
        case ID_RNG: test_rng(d); break;
        case ID_BLK: test_blk(d, loops); break;
        case ID_CONSOLE: test_console(d); break;
        case ID_NET: test_net(d); break;
        case ID_VSOCK: test_vsock(d); break;
        case ID_9P: test_9p(d); break;
        }
    }
    for (unsigned t = 0; t < NTESTS; t++)
        if (want[t] && !found[t]) FAILF("no virtio device for test %s (id %u)\n", tests[t].name, tests[t].id);
    if (fails) {
        printf("FAIL virtio: %d failures\n", fails);
        return fails > 255 ? 255 : fails;
    }
    printf("OK virtio\n");
    return 0;
}
