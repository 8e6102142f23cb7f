/*
 * dockyard-nsexec: carries out a container plan prepared by dockyard.runc (runc/README.md has the
 * plan format, every directive and the control protocol).
 *
 * Two processes take part:
 *
 *   helper (parent)  parses the plan, talks to the runtime on the notify socket, joins the cgroups
 *                    and the existing namespaces, clones the child into the new ones, writes its
 *                    id maps, relays the child's errors and readiness to the runtime and, in run and
 *                    exec mode, waits for the container process (pty relay, signal forwarding).
 *   child            becomes the container process: mounts, pivot_root, process attributes, exec.
 *
 * They talk over a SOCK_SEQPACKET socketpair ("sync"), one message per packet, its first byte
 * saying what it is. The child's end is close-on-exec, so end-of-file after "ready" means the exec
 * succeeded.
 *
 * Error handling: every function that can fail fills a struct err ("what: strerror") and returns
 * -1; the parent reports it once (die), the child hands it to the parent (child_exit). The child
 * leaves fds open on its error paths because it _exits right after.
 *
 * Build: gcc -static -O2 -Wall -Wextra -Werror -o dockyard-nsexec nsexec.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <ctype.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>

#define PLAN_MAX (1u << 20)      /* largest plan file accepted */
#define PLAN_ARG_MAX (64u << 10) /* largest single argument (a 4096-instruction BPF program in hex) */
#define MSG_MAX 4096             /* error messages, protocol lines */
#define ID_MAP_MAX 4096          /* the kernel takes an id map in one write of less than a page */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Appends a zeroed element to the dynamic array ARR holding CNT elements; evaluates to a pointer
 * to it, or NULL when memory runs out (ARR and CNT are then unchanged). */
#define APPEND(arr, cnt) __extension__({                                        \
	__typeof__(arr) grown_ = realloc((arr), ((cnt) + 1) * sizeof *(arr));    \
	if (grown_) {                                                            \
		memset(&grown_[(cnt)], 0, sizeof *grown_);                       \
		(arr) = grown_;                                                  \
	}                                                                        \
	grown_ ? &grown_[(cnt)++] : NULL;                                        \
})

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                     */

struct err {
	char msg[MSG_MAX];
};

/* Records "WHAT: strerror(ERRNUM)" (just WHAT when ERRNUM is 0) and returns -1, so that callers
 * can write `return fail(e, errno, ...)`. */
__attribute__((format(printf, 3, 4))) static int fail(struct err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	if (errnum != 0 && n >= 0 && (size_t)n < sizeof e->msg)
		snprintf(e->msg + n, sizeof e->msg - (size_t)n, ": %s", strerror(errnum));
	return -1;
}

/* close() errors on the sockets, pipes and O_PATH fds closed here carry nothing we could act on. */
static void close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes DATA to an existing file in one write(2) where it fits: id maps and cgroup.procs
 * insist on that. */
static int write_file(const char *path, const char *data, size_t len, struct err *e)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(e, errno, "write %s", path);
	if (write_all(fd, data, len) < 0) {
		int saved = errno;
		close_fd(&fd);
		return fail(e, saved, "write %s", path);
	}
	if (close(fd) < 0)
		return fail(e, errno, "write %s", path);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The plan                                                                                   */

enum mode { MODE_UNSET, MODE_CREATE, MODE_RUN, MODE_EXEC };

/* Namespace kinds in the order they are joined: user first (it grants the capabilities the
 * other joins need when the target namespaces belong to it), mount last (it needs
 * CAP_SYS_CHROOT there and moves our root). */
enum ns_kind { NS_USER, NS_PID, NS_UTS, NS_IPC, NS_NET, NS_CGROUP, NS_TIME, NS_MOUNT, NS_KINDS };

static const struct {
	const char *name;
	int flag;
} ns_table[NS_KINDS] = {
	[NS_USER] = { "user", CLONE_NEWUSER },	 [NS_PID] = { "pid", CLONE_NEWPID },
	[NS_UTS] = { "uts", CLONE_NEWUTS },	 [NS_IPC] = { "ipc", CLONE_NEWIPC },
	[NS_NET] = { "net", CLONE_NEWNET },	 [NS_CGROUP] = { "cgroup", CLONE_NEWCGROUP },
	[NS_TIME] = { "time", CLONE_NEWTIME },	 [NS_MOUNT] = { "mount", CLONE_NEWNS },
};

enum hook_phase { HOOK_CREATE_CONTAINER, HOOK_START_CONTAINER };
static const char *const hook_phase_names[] = {
	[HOOK_CREATE_CONTAINER] = "createContainer",
	[HOOK_START_CONTAINER] = "startContainer",
};

enum cap_set { CAPS_BOUNDING, CAPS_PERMITTED, CAPS_EFFECTIVE, CAPS_INHERITABLE, CAPS_AMBIENT, CAPS_SETS };

struct mount_spec {
	const char *src, *dest, *type, *data;
	unsigned long flags, propflags;
	int tree; /* a bind's source cloned by the parent (open_tree) for a new user namespace, or -1 */
};

struct device_spec {
	const char *path;
	mode_t type; /* S_IFCHR, S_IFBLK or S_IFIFO */
	dev_t dev;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

struct link_spec {
	const char *target, *path;
};

struct sysctl_spec {
	const char *key, *value;
};

struct rlimit_spec {
	int resource;
	struct rlimit limit;
};

struct hook_spec {
	enum hook_phase phase;
	const char *path;
	unsigned timeout; /* seconds, 0 = none */
	char **argv, **envp;
};

struct id_map {
	char text[ID_MAP_MAX];
	size_t len;
};

/* Everything the plan says. Strings point into the plan buffer, which lives as long as the
 * process. */
struct plan {
	enum mode mode;
	const char *notify, *fifo, *rootfs, *hostname, *domainname, *cwd, *console_socket;
	const char *state_prefix, *state_suffix;
	bool sync_hooks, readonly_rootfs, no_new_privs, detach;
	bool has_ns[NS_KINDS];
	const char *ns_path[NS_KINDS]; /* NULL: a new namespace */
	struct id_map uidmap, gidmap;
	bool has_propagation;
	unsigned long rootfs_propagation;
	struct mount_spec *mounts;
	size_t nmounts;
	struct device_spec *devices;
	size_t ndevices;
	struct link_spec *links;
	size_t nlinks;
	struct sysctl_spec *sysctls;
	size_t nsysctls;
	struct rlimit_spec *rlimits;
	size_t nrlimits;
	struct hook_spec *hooks;
	size_t nhooks;
	const char **cgroups;
	size_t ncgroups;
	const char **masks;
	size_t nmasks;
	const char **readonly;
	size_t nreadonly;
	const char **remount_ro; /* remount-ro: made read-only in place (mount_setattr), flags kept */
	size_t nremount_ro;
	bool *remount_ro_recursive;
	bool has_user;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t ngroups;
	bool has_umask;
	mode_t umask;
	bool has_oom;
	int oom_score_adj;
	unsigned preserve_fds; /* fds 3 .. 3+N-1 of the caller go to the process (runc --preserve-fds) */
	pid_t preserve_from;   /* 0: the helper inherited them; else the process that holds them */
	bool has_caps;
	uint64_t caps[CAPS_SETS];
	struct sock_filter *seccomp;
	size_t nseccomp;
	const char *seccomp_listener; /* SCMP_ACT_NOTIFY: the agent's socket (a leading @: abstract) */
	const char *listener_json[3]; /* its message: [0] PID [1] INIT-PID [2] */
	pid_t listener_init;          /* the container's init (exec mode); 0: the process itself */
	bool has_terminal;
	unsigned short rows, cols;
	char **env; /* NULL-terminated */
	size_t nenv;
	char **args; /* NULL-terminated */
	size_t nargs;
};

/* ------------------------------------------------------------------------------------------ */
/* Plan parsing                                                                               */

/* One directive: its keyword and NUL-terminated arguments. */
struct line {
	const char *keyword;
	char **arg;
	size_t argc;
};

/* Parses the whole of S as an unsigned number in BASE (hexadecimal may start with 0x), at most MAX. */
static int parse_num(const char *s, unsigned base, unsigned long long max, unsigned long long *out, struct err *e)
{
	const char *p = s;
	unsigned long long v = 0;
	if (base == 16 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (*p == '\0')
		return fail(e, 0, "bad number \"%s\"", s);
	for (; *p; p++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a') + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A') + 10;
		else
			return fail(e, 0, "bad number \"%s\"", s);
		if (d >= base || v > (max - d) / base)
			return fail(e, 0, "bad number \"%s\"", s);
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* Copies N argument pointers into a fresh NULL-terminated vector. */
static char **copy_vector(char **src, size_t n, struct err *e)
{
	char **v = calloc(n + 1, sizeof *v);
	if (!v) {
		fail(e, ENOMEM, "arguments");
		return NULL;
	}
	memcpy(v, src, n * sizeof *v);
	return v;
}

static int h_mode(struct plan *p, const struct line *l, struct err *e)
{
	static const char *const names[] = { [MODE_CREATE] = "create", [MODE_RUN] = "run", [MODE_EXEC] = "exec" };
	for (unsigned m = MODE_CREATE; m <= MODE_EXEC; m++) {
		if (strcmp(l->arg[0], names[m]) == 0) {
			p->mode = (enum mode)m;
			return 0;
		}
	}
	return fail(e, 0, "unknown mode \"%s\"", l->arg[0]);
}

static int h_ns(struct plan *p, const struct line *l, struct err *e)
{
	for (unsigned k = 0; k < NS_KINDS; k++) {
		if (strcmp(l->arg[0], ns_table[k].name) != 0)
			continue;
		if (p->has_ns[k])
			return fail(e, 0, "%s namespace given twice", ns_table[k].name);
		if (l->argc > 1 && l->arg[1][0] == '\0')
			return fail(e, 0, "empty path");
		p->has_ns[k] = true;
		p->ns_path[k] = l->argc > 1 ? l->arg[1] : NULL;
		return 0;
	}
	return fail(e, 0, "unknown namespace type \"%s\"", l->arg[0]);
}

static int append_id_map(struct id_map *m, const struct line *l, struct err *e)
{
	unsigned long long v[3];
	for (int i = 0; i < 3; i++)
		if (parse_num(l->arg[i], 10, UINT32_MAX, &v[i], e) < 0)
			return -1;
	int n = snprintf(m->text + m->len, sizeof m->text - m->len, "%llu %llu %llu\n", v[0], v[1], v[2]);
	if (n < 0 || (size_t)n >= sizeof m->text - m->len)
		return fail(e, 0, "too many id mappings");
	m->len += (size_t)n;
	return 0;
}

static int h_uidmap(struct plan *p, const struct line *l, struct err *e)
{
	return append_id_map(&p->uidmap, l, e);
}

static int h_gidmap(struct plan *p, const struct line *l, struct err *e)
{
	return append_id_map(&p->gidmap, l, e);
}

static int append_path(const char ***paths, size_t *n, const char *path, struct err *e)
{
	const char **slot = APPEND(*paths, *n);
	if (!slot)
		return fail(e, ENOMEM, "plan");
	*slot = path;
	return 0;
}

static int h_cgroup(struct plan *p, const struct line *l, struct err *e)
{
	return append_path(&p->cgroups, &p->ncgroups, l->arg[0], e);
}

static int h_mask(struct plan *p, const struct line *l, struct err *e)
{
	return append_path(&p->masks, &p->nmasks, l->arg[0], e);
}

static int h_readonly(struct plan *p, const struct line *l, struct err *e)
{
	return append_path(&p->readonly, &p->nreadonly, l->arg[0], e);
}

/* remount-ro PATH RECURSIVE (0 or 1): a mount made read-only where it is, after pivot_root. */
static int h_remount_ro(struct plan *p, const struct line *l, struct err *e)
{
	if (strcmp(l->arg[1], "0") != 0 && strcmp(l->arg[1], "1") != 0)
		return fail(e, 0, "remount-ro: RECURSIVE must be 0 or 1, not \"%s\"", l->arg[1]);
	bool *grown = realloc(p->remount_ro_recursive, (p->nremount_ro + 1) * sizeof *grown);
	if (!grown)
		return fail(e, errno, "remount-ro");
	p->remount_ro_recursive = grown;
	grown[p->nremount_ro] = l->arg[1][0] == '1';
	return append_path(&p->remount_ro, &p->nremount_ro, l->arg[0], e);
}

static int h_propagation(struct plan *p, const struct line *l, struct err *e)
{
	unsigned long long v;
	if (parse_num(l->arg[0], 10, ULONG_MAX, &v, e) < 0)
		return -1;
	if (!(v & (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)))
		return fail(e, 0, "%s names no propagation type", l->arg[0]);
	p->has_propagation = true;
	p->rootfs_propagation = (unsigned long)v;
	return 0;
}

static int h_mount(struct plan *p, const struct line *l, struct err *e)
{
	unsigned long long flags, propflags;
	if (parse_num(l->arg[3], 10, ULONG_MAX, &flags, e) < 0 || parse_num(l->arg[4], 10, ULONG_MAX, &propflags, e) < 0)
		return -1;
	struct mount_spec *m = APPEND(p->mounts, p->nmounts);
	if (!m)
		return fail(e, ENOMEM, "plan");
	*m = (struct mount_spec){ .src = l->arg[0], .dest = l->arg[1], .type = l->arg[2], .data = l->arg[5],
				  .flags = (unsigned long)flags, .propflags = (unsigned long)propflags, .tree = -1 };
	return 0;
}

static int h_device(struct plan *p, const struct line *l, struct err *e)
{
	static const struct {
		const char *name;
		mode_t type;
	} types[] = { { "c", S_IFCHR }, { "u", S_IFCHR }, { "b", S_IFBLK }, { "p", S_IFIFO } };
	unsigned long long major, minor, mode, uid, gid;
	mode_t type = 0;
	for (size_t i = 0; i < ARRAY_LEN(types); i++)
		if (strcmp(l->arg[1], types[i].name) == 0)
			type = types[i].type;
	if (!type)
		return fail(e, 0, "unknown device type \"%s\"", l->arg[1]);
	if (parse_num(l->arg[2], 10, UINT32_MAX, &major, e) < 0 || parse_num(l->arg[3], 10, UINT32_MAX, &minor, e) < 0 ||
	    parse_num(l->arg[4], 10, 07777, &mode, e) < 0 || parse_num(l->arg[5], 10, UINT32_MAX - 1, &uid, e) < 0 ||
	    parse_num(l->arg[6], 10, UINT32_MAX - 1, &gid, e) < 0)
		return -1;
	struct device_spec *d = APPEND(p->devices, p->ndevices);
	if (!d)
		return fail(e, ENOMEM, "plan");
	*d = (struct device_spec){ .path = l->arg[0], .type = type, .dev = makedev(major, minor),
				   .mode = (mode_t)mode, .uid = (uid_t)uid, .gid = (gid_t)gid };
	return 0;
}

static int h_symlink(struct plan *p, const struct line *l, struct err *e)
{
	struct link_spec *s = APPEND(p->links, p->nlinks);
	if (!s)
		return fail(e, ENOMEM, "plan");
	*s = (struct link_spec){ .target = l->arg[0], .path = l->arg[1] };
	return 0;
}

static int h_sysctl(struct plan *p, const struct line *l, struct err *e)
{
	if (l->arg[0][0] == '\0')
		return fail(e, 0, "empty key");
	struct sysctl_spec *s = APPEND(p->sysctls, p->nsysctls);
	if (!s)
		return fail(e, ENOMEM, "plan");
	*s = (struct sysctl_spec){ .key = l->arg[0], .value = l->arg[1] };
	return 0;
}

static int h_rlimit(struct plan *p, const struct line *l, struct err *e)
{
	unsigned long long resource, soft, hard;
	if (parse_num(l->arg[0], 10, RLIM_NLIMITS - 1, &resource, e) < 0 ||
	    parse_num(l->arg[1], 10, UINT64_MAX, &soft, e) < 0 || parse_num(l->arg[2], 10, UINT64_MAX, &hard, e) < 0)
		return -1;
	struct rlimit_spec *r = APPEND(p->rlimits, p->nrlimits);
	if (!r)
		return fail(e, ENOMEM, "plan");
	*r = (struct rlimit_spec){ .resource = (int)resource, .limit = { .rlim_cur = soft, .rlim_max = hard } };
	return 0;
}

static int h_oom(struct plan *p, const struct line *l, struct err *e)
{
	bool negative = l->arg[0][0] == '-';
	unsigned long long v;
	if (parse_num(l->arg[0] + negative, 10, 1000, &v, e) < 0)
		return -1;
	p->has_oom = true;
	p->oom_score_adj = negative ? -(int)v : (int)v;
	return 0;
}

/* hook PHASE PATH TIMEOUT ARGC ARGS... ENVC ENVS... */
static int h_hook(struct plan *p, const struct line *l, struct err *e)
{
	unsigned long long timeout, argc, envc;
	enum hook_phase phase;
	if (strcmp(l->arg[0], hook_phase_names[HOOK_CREATE_CONTAINER]) == 0)
		phase = HOOK_CREATE_CONTAINER;
	else if (strcmp(l->arg[0], hook_phase_names[HOOK_START_CONTAINER]) == 0)
		phase = HOOK_START_CONTAINER;
	else
		return fail(e, 0, "unknown hook phase \"%s\" (this helper runs createContainer and startContainer)", l->arg[0]);
	if (parse_num(l->arg[2], 10, INT_MAX / 1000, &timeout, e) < 0 || parse_num(l->arg[3], 10, l->argc, &argc, e) < 0)
		return -1;
	if (l->argc < 5 + argc)
		return fail(e, 0, "ARGC %llu but only %zu arguments", argc, l->argc);
	if (parse_num(l->arg[4 + argc], 10, l->argc, &envc, e) < 0)
		return -1;
	if (l->argc != 5 + argc + envc)
		return fail(e, 0, "ARGC %llu and ENVC %llu do not add up to %zu arguments", argc, envc, l->argc);
	struct hook_spec *h = APPEND(p->hooks, p->nhooks);
	if (!h)
		return fail(e, ENOMEM, "plan");
	h->phase = phase;
	h->path = l->arg[1];
	h->timeout = (unsigned)timeout;
	/* A hook without args still needs an argv[0]: use its path, as execv(3) users expect. */
	h->argv = argc ? copy_vector(l->arg + 4, argc, e) : copy_vector(l->arg + 1, 1, e);
	h->envp = copy_vector(l->arg + 5 + argc, envc, e);
	return h->argv && h->envp ? 0 : -1;
}

static int h_state(struct plan *p, const struct line *l, struct err *e)
{
	(void)e;
	p->state_prefix = l->arg[0];
	p->state_suffix = l->arg[1];
	return 0;
}

static int h_user(struct plan *p, const struct line *l, struct err *e)
{
	unsigned long long uid, gid;
	if (parse_num(l->arg[0], 10, UINT32_MAX - 1, &uid, e) < 0 || parse_num(l->arg[1], 10, UINT32_MAX - 1, &gid, e) < 0)
		return -1;
	p->has_user = true;
	p->uid = (uid_t)uid;
	p->gid = (gid_t)gid;
	p->ngroups = l->argc - 2;
	p->groups = calloc(p->ngroups + 1, sizeof *p->groups);
	if (!p->groups)
		return fail(e, ENOMEM, "plan");
	for (size_t i = 0; i < p->ngroups; i++) {
		unsigned long long g;
		if (parse_num(l->arg[2 + i], 10, UINT32_MAX - 1, &g, e) < 0)
			return -1;
		p->groups[i] = (gid_t)g;
	}
	return 0;
}

static int h_umask(struct plan *p, const struct line *l, struct err *e)
{
	unsigned long long v;
	if (parse_num(l->arg[0], 8, 0777, &v, e) < 0)
		return -1;
	p->has_umask = true;
	p->umask = (mode_t)v;
	return 0;
}

static int h_caps(struct plan *p, const struct line *l, struct err *e)
{
	for (int i = 0; i < CAPS_SETS; i++) {
		unsigned long long v;
		if (parse_num(l->arg[i], 16, UINT64_MAX, &v, e) < 0)
			return -1;
		p->caps[i] = v;
	}
	p->has_caps = true;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The program is the struct sock_filter array as it lies in memory (native byte order), in hex. */
static int h_seccomp(struct plan *p, const struct line *l, struct err *e)
{
	const char *hex = l->arg[0];
	size_t len = strlen(hex), insns = len / (2 * sizeof(struct sock_filter));
	if (len == 0 || len % (2 * sizeof(struct sock_filter)) != 0 || insns > BPF_MAXINSNS)
		return fail(e, 0, "a program is 1 to %d instructions of %zu hex digits", BPF_MAXINSNS,
			    2 * sizeof(struct sock_filter));
	p->seccomp = calloc(insns, sizeof *p->seccomp);
	if (!p->seccomp)
		return fail(e, ENOMEM, "plan");
	unsigned char *bytes = (unsigned char *)p->seccomp;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return fail(e, 0, "not hex at offset %zu", 2 * i);
		bytes[i] = (unsigned char)(hi << 4 | lo);
	}
	p->nseccomp = insns;
	return 0;
}

/* seccomp-listener PATH JSON0 JSON1 JSON2 [INIT-PID]: with SCMP_ACT_NOTIFY in the filter, the
 * listener fd goes to the agent at PATH with the message JSON0 + pid + JSON1 + init pid + JSON2
 * (the runtime spec's container process state). */
static int h_seccomp_listener(struct plan *p, const struct line *l, struct err *e)
{
	unsigned long long init = 0;
	if (l->argc > 4 && parse_num(l->arg[4], 10, INT_MAX, &init, e) < 0)
		return -1;
	if (l->arg[0][0] == '\0')
		return fail(e, 0, "seccomp-listener: empty path");
	p->seccomp_listener = l->arg[0];
	for (int i = 0; i < 3; i++)
		p->listener_json[i] = l->arg[1 + i];
	p->listener_init = (pid_t)init;
	return 0;
}

static int h_terminal(struct plan *p, const struct line *l, struct err *e)
{
	unsigned long long rows, cols;
	if (parse_num(l->arg[0], 10, USHRT_MAX, &rows, e) < 0 || parse_num(l->arg[1], 10, USHRT_MAX, &cols, e) < 0)
		return -1;
	p->has_terminal = true;
	p->rows = (unsigned short)rows;
	p->cols = (unsigned short)cols;
	return 0;
}

/* env may be given more than once; each line adds its variables. */
static int h_env(struct plan *p, const struct line *l, struct err *e)
{
	char **env = realloc(p->env, (p->nenv + l->argc + 1) * sizeof *env);
	if (!env)
		return fail(e, ENOMEM, "plan");
	memcpy(env + p->nenv, l->arg, l->argc * sizeof *env);
	p->nenv += l->argc;
	env[p->nenv] = NULL;
	p->env = env;
	return 0;
}

static int h_args(struct plan *p, const struct line *l, struct err *e)
{
	p->args = copy_vector(l->arg, l->argc, e);
	p->nargs = l->argc;
	return p->args ? 0 : -1;
}

enum directive_kind { SET_FLAG, SET_STRING, CUSTOM };

struct directive {
	const char *keyword;
	size_t min_args, max_args;
	bool repeatable;
	enum directive_kind kind;
	size_t field; /* SET_FLAG / SET_STRING: offset of the bool / const char * in struct plan */
	int (*apply)(struct plan *, const struct line *, struct err *);
};

#define ANY SIZE_MAX
#define FLAG(kw, member) { kw, 0, 0, false, SET_FLAG, offsetof(struct plan, member), NULL }
#define STRING(kw, member) { kw, 1, 1, false, SET_STRING, offsetof(struct plan, member), NULL }
#define CALL(kw, min, max, repeat, fn) { kw, min, max, repeat, CUSTOM, 0, fn }

/* preserve-fds N [PID]: PID is the process that holds the caller's fds when the helper did not
 * inherit them (a JVM's child gets only stdio); they are fetched from it with pidfd_getfd. */
static int h_preserve_fds(struct plan *p, const struct line *l, struct err *e)
{
	unsigned long long n, pid = 0;
	if (parse_num(l->arg[0], 10, 4096, &n, e) < 0 || (l->argc > 1 && parse_num(l->arg[1], 10, INT_MAX, &pid, e) < 0))
		return -1;
	p->preserve_fds = (unsigned)n;
	p->preserve_from = (pid_t)pid;
	return 0;
}

static const struct directive directives[] = {
	CALL("mode", 1, 1, false, h_mode),
	STRING("notify", notify),
	STRING("fifo", fifo),
	CALL("cgroup", 1, 1, true, h_cgroup),
	CALL("ns", 1, 2, true, h_ns),
	CALL("uidmap", 3, 3, true, h_uidmap),
	CALL("gidmap", 3, 3, true, h_gidmap),
	FLAG("sync-hooks", sync_hooks),
	STRING("rootfs", rootfs),
	CALL("rootfs-propagation", 1, 1, false, h_propagation),
	FLAG("readonly-rootfs", readonly_rootfs),
	CALL("mount", 6, 6, true, h_mount),
	CALL("device", 7, 7, true, h_device),
	CALL("symlink", 2, 2, true, h_symlink),
	CALL("mask", 1, 1, true, h_mask),
	CALL("readonly", 1, 1, true, h_readonly),
	CALL("remount-ro", 2, 2, true, h_remount_ro),
	CALL("sysctl", 2, 2, true, h_sysctl),
	STRING("hostname", hostname),
	STRING("domainname", domainname),
	CALL("rlimit", 3, 3, true, h_rlimit),
	CALL("oom-score-adj", 1, 1, false, h_oom),
	CALL("preserve-fds", 1, 2, false, h_preserve_fds),
	CALL("hook", 5, ANY, true, h_hook),
	CALL("state", 2, 2, false, h_state),
	CALL("user", 2, ANY, false, h_user),
	CALL("umask", 1, 1, false, h_umask),
	CALL("caps", 5, 5, false, h_caps),
	FLAG("no-new-privileges", no_new_privs),
	CALL("seccomp", 1, 1, false, h_seccomp),
	CALL("seccomp-listener", 4, 5, false, h_seccomp_listener),
	CALL("terminal", 2, 2, false, h_terminal),
	STRING("console-socket", console_socket),
	STRING("cwd", cwd),
	CALL("env", 0, ANY, true, h_env),
	CALL("args", 1, ANY, false, h_args),
	FLAG("detach", detach), /* beyond the README: run/exec mode, exit 0 right after `started` */
};

static int apply_directive(struct plan *p, const struct directive *d, const struct line *l, struct err *e)
{
	if (l->argc < d->min_args || l->argc > d->max_args) {
		if (d->min_args == d->max_args)
			return fail(e, 0, "expected %zu arguments, got %zu", d->min_args, l->argc);
		if (d->max_args == ANY)
			return fail(e, 0, "expected at least %zu arguments, got %zu", d->min_args, l->argc);
		return fail(e, 0, "expected %zu to %zu arguments, got %zu", d->min_args, d->max_args, l->argc);
	}
	switch (d->kind) {
	case SET_FLAG:
		*(bool *)((char *)p + d->field) = true;
		return 0;
	case SET_STRING:
		*(const char **)((char *)p + d->field) = l->arg[0];
		return 0;
	case CUSTOM:
		break;
	}
	return d->apply(p, l, e);
}

/* Reading position in the plan buffer. */
struct cursor {
	char *buf;
	size_t len, pos;
	unsigned line; /* physical line of buf[pos], counting newlines inside arguments too */
};

/* The byte after a token: ' ' or '\n' (the end of the plan counts as a newline). */
static char separator_at(const struct cursor *c)
{
	return c->pos < c->len ? c->buf[c->pos] : '\n';
}

/* Reads one "LEN:BYTES" argument and NUL-terminates it in place by overwriting the separator
 * after it (the buffer has a spare byte at its end for the last one); *SEP gets that separator. */
static int read_argument(struct cursor *c, char **arg, char *sep, struct err *e)
{
	size_t n = 0, digits = 0;
	while (c->pos < c->len && c->buf[c->pos] >= '0' && c->buf[c->pos] <= '9') {
		if (++digits > 6)
			return fail(e, 0, "argument length has too many digits");
		n = n * 10 + (size_t)(c->buf[c->pos++] - '0');
	}
	if (digits == 0 || c->pos >= c->len || c->buf[c->pos] != ':')
		return fail(e, 0, "expected LENGTH:BYTES");
	c->pos++;
	if (n > PLAN_ARG_MAX)
		return fail(e, 0, "argument longer than %u bytes", PLAN_ARG_MAX);
	if (n > c->len - c->pos)
		return fail(e, 0, "argument runs past the end of the plan");
	char *start = c->buf + c->pos;
	if (memchr(start, '\0', n))
		return fail(e, 0, "argument contains a NUL byte");
	for (char *q = start; (q = memchr(q, '\n', (size_t)(start + n - q))) != NULL; q++)
		c->line++;
	c->pos += n;
	*sep = separator_at(c);
	if (*sep != ' ' && *sep != '\n')
		return fail(e, 0, "argument of %zu bytes is followed by neither a space nor a newline", n);
	c->buf[c->pos] = '\0';
	if (c->pos < c->len)
		c->pos++;
	*arg = start;
	return 0;
}

/* Growable argument list, reused for every line. */
struct tokens {
	char **v;
	size_t n;
};

/* Splits the next directive off the cursor: its keyword, then " LEN:BYTES" arguments up to the
 * newline. */
static int read_directive(struct cursor *c, struct line *l, struct tokens *t, struct err *e)
{
	size_t start = c->pos;
	while (c->pos < c->len && c->buf[c->pos] != ' ' && c->buf[c->pos] != '\n')
		c->pos++;
	char sep = separator_at(c);
	c->buf[c->pos] = '\0';
	if (c->pos < c->len)
		c->pos++;
	l->keyword = c->buf + start;
	t->n = 0;
	while (sep == ' ') {
		char *arg = NULL;
		if (read_argument(c, &arg, &sep, e) < 0)
			return -1;
		char **slot = APPEND(t->v, t->n);
		if (!slot)
			return fail(e, ENOMEM, "plan");
		*slot = arg;
	}
	c->line++;
	l->arg = t->v;
	l->argc = t->n;
	return 0;
}

static const struct directive *find_directive(const char *keyword)
{
	for (size_t i = 0; i < ARRAY_LEN(directives); i++)
		if (strcmp(directives[i].keyword, keyword) == 0)
			return &directives[i];
	return NULL;
}

/* Prefixes the message in E with the plan line and keyword it is about. */
static int at_line(struct err *e, unsigned line, const char *keyword)
{
	char detail[MSG_MAX];
	memcpy(detail, e->msg, sizeof detail);
	return fail(e, 0, "plan line %u: %.64s: %.3900s", line, keyword, detail);
}

static int parse_plan(char *buf, size_t len, struct plan *p, struct err *e)
{
	struct cursor c = { .buf = buf, .len = len, .pos = 0, .line = 1 };
	struct tokens t = { NULL, 0 };
	bool seen[ARRAY_LEN(directives)] = { false };
	int rc = 0;
	while (rc == 0 && c.pos < c.len) {
		unsigned number = c.line;
		struct line l;
		if (c.buf[c.pos] == '\n') { /* blank line */
			c.pos++;
			c.line++;
			continue;
		}
		if (read_directive(&c, &l, &t, e) < 0) {
			rc = at_line(e, number, l.keyword);
			break;
		}
		const struct directive *d = find_directive(l.keyword);
		if (!d)
			rc = fail(e, 0, "plan line %u: unknown directive \"%.64s\"", number, l.keyword);
		else if (seen[d - directives] && !d->repeatable)
			rc = fail(e, 0, "plan line %u: %s: given more than once", number, d->keyword);
		else if (apply_directive(p, d, &l, e) < 0)
			rc = at_line(e, number, l.keyword);
		else
			seen[d - directives] = true;
	}
	free(t.v);
	return rc;
}

/* Container-setup directives have no meaning when joining a running container. */
static int validate_exec(const struct plan *p, struct err *e)
{
	for (unsigned k = 0; k < NS_KINDS; k++)
		if (p->has_ns[k] && !p->ns_path[k])
			return fail(e, 0, "plan: exec mode only joins namespaces, but ns %s has no path", ns_table[k].name);
	if (p->rootfs || p->fifo || p->nmounts || p->ndevices || p->nlinks || p->nmasks || p->nreadonly ||
	    p->nsysctls || p->hostname || p->domainname || p->readonly_rootfs || p->nremount_ro || p->has_propagation || p->nhooks ||
	    p->uidmap.len || p->gidmap.len)
		return fail(e, 0, "plan: exec mode takes no container setup directives "
				  "(rootfs, fifo, mount, device, symlink, mask, readonly, sysctl, hostname, domainname, "
				  "readonly-rootfs, rootfs-propagation, hook, uidmap, gidmap)");
	return 0;
}

static int validate_container(const struct plan *p, struct err *e)
{
	bool new_user = p->has_ns[NS_USER] && !p->ns_path[NS_USER];
	if (!p->rootfs)
		return fail(e, 0, "plan: no rootfs directive");
	if (!p->has_ns[NS_MOUNT])
		return fail(e, 0, "plan: create and run need a mount namespace (ns mount)");
	if (p->mode == MODE_CREATE && !p->fifo)
		return fail(e, 0, "plan: create mode needs a fifo directive");
	if (p->mode != MODE_CREATE && p->fifo)
		return fail(e, 0, "plan: fifo is only for create mode");
	if (new_user && (!p->uidmap.len || !p->gidmap.len))
		return fail(e, 0, "plan: a new user namespace needs uidmap and gidmap");
	if (!new_user && (p->uidmap.len || p->gidmap.len))
		return fail(e, 0, "plan: uidmap and gidmap need a new user namespace (ns user)");
	if ((p->hostname || p->domainname) && !p->has_ns[NS_UTS])
		return fail(e, 0, "plan: hostname and domainname need a uts namespace (ns uts)");
	return 0;
}

static int validate_plan(struct plan *p, struct err *e)
{
	if (p->mode == MODE_UNSET)
		return fail(e, 0, "plan: no mode directive");
	if (!p->args)
		return fail(e, 0, "plan: no args directive");
	if (!p->env && !(p->env = calloc(1, sizeof *p->env)))
		return fail(e, ENOMEM, "plan");
	if (p->sync_hooks && !p->notify)
		return fail(e, 0, "plan: sync-hooks needs a notify socket");
	if (p->console_socket && !p->has_terminal)
		return fail(e, 0, "plan: console-socket needs terminal");
	if (p->has_terminal && !p->console_socket && (p->mode == MODE_CREATE || p->detach))
		return fail(e, 0, "plan: terminal without console-socket needs the helper to stay (run or exec mode without detach)");
	if (p->detach && p->mode == MODE_CREATE)
		return fail(e, 0, "plan: detach is for run and exec mode");
	return p->mode == MODE_EXEC ? validate_exec(p, e) : validate_container(p, e);
}

/* Reads the plan file into a buffer with one spare byte, which the parser uses to NUL-terminate
 * the last argument. */
static int read_plan(const char *file, char **buf, size_t *len, struct err *e)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(e, errno, "open plan %s", file);
	char *b = malloc(PLAN_MAX + 2);
	size_t n = 0;
	if (!b) {
		close_fd(&fd);
		return fail(e, ENOMEM, "plan");
	}
	for (;;) {
		ssize_t r = read(fd, b + n, PLAN_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;
			close_fd(&fd);
			free(b);
			return fail(e, saved, "read plan %s", file);
		}
		n += (size_t)r;
		if (r == 0 || n > PLAN_MAX)
			break;
	}
	close_fd(&fd);
	if (n > PLAN_MAX) {
		free(b);
		return fail(e, 0, "plan %s is larger than %u bytes", file, PLAN_MAX);
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* The plan buffer is never freed: the plan's strings point into it. */
static int load_plan(const char *file, struct plan *p, struct err *e)
{
	char *buf = NULL;
	size_t len = 0;
	memset(p, 0, sizeof *p);
	if (read_plan(file, &buf, &len, e) < 0 || parse_plan(buf, len, p, e) < 0)
		return -1;
	return validate_plan(p, e);
}

/* ------------------------------------------------------------------------------------------ */
/* Runtime channels and the notify protocol                                                   */

/* File descriptors shared by parent and child; each side closes what it does not use. */
struct channels {
	int notify;  /* parent: control protocol with the runtime */
	int console; /* child: where the pty master goes */
	int fifo;    /* child, create mode: O_PATH fd of exec.fifo */
	int sync;    /* the parent's or the child's end of the socketpair */
	int *preserved; /* preserve-fds from another process: its fds 3.., fetched (-1: not open) */
	int agent;      /* parent: connection to the seccomp agent (seccomp-listener), or -1 */
};

/* Connects to a unix stream socket. Paths too long for sun_path are reached through an O_PATH
 * fd of their directory, so deep bundle or state directories still work. */
static int connect_unix(const char *path, const char *what, struct err *e)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int dirfd = -1;
	if (strlen(path) < sizeof addr.sun_path) {
		memcpy(addr.sun_path, path, strlen(path) + 1);
	} else {
		char dir[PATH_MAX];
		const char *slash = strrchr(path, '/');
		if (!slash || (size_t)(slash - path) >= sizeof dir || strlen(slash) > 200)
			return fail(e, ENAMETOOLONG, "connect to %s socket %s", what, path);
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		dirfd = open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0)
			return fail(e, errno, "connect to %s socket %s", what, path);
		snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d%s", dirfd, slash);
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int saved = errno;
		close_fd(&dirfd);
		return fail(e, saved, "socket");
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		int saved = errno;
		close_fd(&fd);
		close_fd(&dirfd);
		return fail(e, saved, "connect to %s socket %s", what, path);
	}
	close_fd(&dirfd);
	return fd;
}

/* Sends one protocol line. A runtime that went away is not fatal (SIGPIPE is ignored): the
 * container goes on. Newlines in the text would split the line, so they become spaces. */
__attribute__((format(printf, 2, 3))) static void notify_line(int fd, const char *fmt, ...)
{
	char line[MSG_MAX + 64];
	if (fd < 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof line - 1 ? (size_t)n : sizeof line - 2;
	for (size_t i = 0; i < len; i++)
		if (line[i] == '\n')
			line[i] = ' ';
	line[len++] = '\n';
	(void)write_all(fd, line, len);
}

/* Reports a setup error the one way the README allows, then exits 1. */
static _Noreturn void die(int notify, const struct err *e)
{
	if (notify >= 0)
		notify_line(notify, "error %s", e->msg);
	else
		(void)dprintf(STDERR_FILENO, "dockyard-nsexec: %s\n", e->msg);
	exit(1);
}

/* A plan that fails to parse may still have named its notify socket (the runtime writes it
 * first); the error then goes there like any other. */
static int notify_for_parse_error(const struct plan *p)
{
	struct err ignored;
	return p->notify ? connect_unix(p->notify, "notify", &ignored) : -1;
}

/* sync-hooks: after `pid` the runtime runs its prestart/createRuntime hooks and answers one line. */
static int await_runtime_go(int notify, struct err *e)
{
	char line[MSG_MAX];
	size_t n = 0;
	for (;;) {
		char c;
		ssize_t r = read(notify, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail(e, errno, "read notify socket");
		if (r == 0)
			return fail(e, 0, "notify socket closed before go");
		if (c == '\n')
			break;
		if (n + 1 >= sizeof line)
			return fail(e, 0, "line from the runtime is too long");
		line[n++] = c;
	}
	line[n] = '\0';
	if (strcmp(line, "go") == 0)
		return 0;
	if (strcmp(line, "abort") == 0)
		return fail(e, 0, "aborted by the runtime");
	if (strncmp(line, "abort ", 6) == 0)
		return fail(e, 0, "aborted by the runtime: %s", line + 6);
	return fail(e, 0, "unexpected line from the runtime: %s", line);
}

/* Everything that needs host paths is opened before any namespace is joined. The fifo is opened
 * here rather than in the child so that joining a mount namespace cannot hide it. */
/* preserve-fds from another process (the runtime's JVM, which holds the caller's fds 3.. but
 * cannot hand them to its children): the same open files, taken with pidfd_getfd. An fd that
 * process does not have stays a hole, as it would be for runc. */
static int fetch_preserved_fds(const struct plan *p, struct channels *ch, struct err *e)
{
	if (p->preserve_fds == 0 || p->preserve_from == 0)
		return 0;
	ch->preserved = calloc(p->preserve_fds, sizeof *ch->preserved);
	if (!ch->preserved)
		return fail(e, ENOMEM, "preserve-fds");
	int pidfd = (int)syscall(SYS_pidfd_open, p->preserve_from, 0);
	if (pidfd < 0)
		return fail(e, errno, "preserve-fds: pidfd_open %d", (int)p->preserve_from);
	for (unsigned i = 0; i < p->preserve_fds; i++) {
		ch->preserved[i] = (int)syscall(SYS_pidfd_getfd, pidfd, 3 + (int)i, 0);
		if (ch->preserved[i] < 0 && errno != EBADF) {
			int saved = errno;
			close_fd(&pidfd);
			return fail(e, saved, "preserve-fds: fd %u of process %d", 3 + i, (int)p->preserve_from);
		}
	}
	close_fd(&pidfd);
	return 0;
}

/* The seccomp agent's socket is reached from where the runtime runs: connected before exec mode
 * joins the container's mount namespace, where the path would mean something else. A leading @
 * is an abstract socket, as Go's net.Dial (runc) reads it. */
static int connect_seccomp_agent(const struct plan *p, struct channels *ch, struct err *e)
{
	const char *path = p->seccomp_listener;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	if (len >= sizeof addr.sun_path)
		return fail(e, ENAMETOOLONG, "failed to connect with seccomp agent specified in the seccomp profile: %s", path);
	memcpy(addr.sun_path, path, len);
	bool abstract = path[0] == '@';
	if (abstract)
		addr.sun_path[0] = '\0';
	socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (abstract ? 0 : 1));
	int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return fail(e, errno, "socket for the seccomp agent");
	if (connect(sock, (struct sockaddr *)&addr, alen) < 0) {
		int saved = errno;
		close_fd(&sock);
		return fail(e, saved, "failed to connect with seccomp agent specified in the seccomp profile: dial unix %s", path);
	}
	ch->agent = sock;
	return 0;
}

static int open_channels(const struct plan *p, struct channels *ch, struct err *e)
{
	ch->agent = -1; /* before anything can fail: callers close what is open */
	/* In client mode the daemon connection is already the notify channel. */
	if (p->notify && ch->notify < 0 && (ch->notify = connect_unix(p->notify, "notify", e)) < 0)
		return -1;
	if (p->console_socket && (ch->console = connect_unix(p->console_socket, "console", e)) < 0)
		return -1;
	if (p->fifo && (ch->fifo = open(p->fifo, O_PATH | O_CLOEXEC)) < 0)
		return fail(e, errno, "open fifo %s", p->fifo);
	if (p->seccomp_listener && connect_seccomp_agent(p, ch, e) < 0)
		return -1;
	return fetch_preserved_fds(p, ch, e);
}

/* ------------------------------------------------------------------------------------------ */
/* Parent <-> child sync messages                                                             */

enum sync_type {
	SYNC_GO = 'G',    /* parent -> child: id maps written, runtime hooks done; payload: host pid */
	SYNC_PTY = 'T',   /* child -> parent: pty master (SCM_RIGHTS) to relay */
	SYNC_READY = 'R', /* child -> parent: set up, about to wait on the fifo / exec */
	SYNC_ERROR = 'E', /* child -> parent: setup failed; payload: the message */
	SYNC_SECCOMP = 'S',      /* child -> parent: the seccomp listener fd (SCM_RIGHTS) for the agent */
	SYNC_SECCOMP_DONE = 'D', /* parent -> child: the agent has it */
};

/* Sends DATA as one message, with FD attached (SCM_RIGHTS) when it is not -1. */
static int send_with_fd(int sock, const void *data, size_t len, int fd)
{
	struct iovec iov = { (void *)data, len };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(&control, 0, sizeof control);
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof control.buf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	ssize_t n;
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

/* Sends one sync packet: TYPE, then PAYLOAD, with FD attached when it is not -1. */
static int sync_send(int sock, char type, const char *payload, int fd)
{
	char packet[1 + MSG_MAX];
	size_t len = strnlen(payload, MSG_MAX - 1);
	packet[0] = type;
	memcpy(packet + 1, payload, len);
	return send_with_fd(sock, packet, len + 1, fd);
}

/* Receives one packet into BUF (NUL-terminated); a passed fd lands in *FD. Returns the packet's
 * length, 0 at end-of-file, -1 on error. */
static ssize_t sync_recv(int sock, char *buf, size_t size, int *fd)
{
	struct iovec iov = { buf, size - 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = sizeof control.buf };
	ssize_t n;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && fd)
		memcpy(fd, CMSG_DATA(c), sizeof *fd);
	return n;
}

/* ------------------------------------------------------------------------------------------ */
/* Parent: before the clone                                                                   */

/* Written in the parent so the child inherits it: lowering it later, from inside a user
 * namespace, would need CAP_SYS_RESOURCE in the host's. */
static int write_oom_score_adj(int value, struct err *e)
{
	char text[16];
	int n = snprintf(text, sizeof text, "%d", value);
	return write_file("/proc/self/oom_score_adj", text, (size_t)n, e);
}

/* Our pid goes into every cgroup before the clone, so the child starts inside them (and a new
 * cgroup namespace is rooted there). */
static int join_cgroups(const struct plan *p, struct err *e)
{
	char pid[16];
	int n = snprintf(pid, sizeof pid, "%d", (int)getpid());
	for (size_t i = 0; i < p->ncgroups; i++)
		if (write_file(p->cgroups[i], pid, (size_t)n, e) < 0)
			return -1;
	return 0;
}

/* Opens every namespace to join before entering any (after setns(mount) or setns(user) the
 * paths may no longer resolve or be permitted), then enters them in ns_kind order. Joining pid
 * and time namespaces affects only our children, which is what we want. */
static int join_namespaces(const struct plan *p, struct err *e)
{
	int fds[NS_KINDS], rc = 0;
	for (unsigned k = 0; k < NS_KINDS; k++) {
		fds[k] = -1;
		if (rc == 0 && p->has_ns[k] && p->ns_path[k] && (fds[k] = open(p->ns_path[k], O_RDONLY | O_CLOEXEC)) < 0)
			rc = fail(e, errno, "open %s namespace %s", ns_table[k].name, p->ns_path[k]);
	}
	for (unsigned k = 0; rc == 0 && k < NS_KINDS; k++)
		if (fds[k] >= 0 && setns(fds[k], ns_table[k].flag) < 0)
			rc = fail(e, errno, "join %s namespace %s", ns_table[k].name, p->ns_path[k]);
	for (unsigned k = 0; k < NS_KINDS; k++)
		close_fd(&fds[k]);
	return rc;
}

/* clone(2) flags for the new namespaces. A new time namespace is the exception: CLONE_NEWTIME
 * collides with the exit-signal bits of clone(2), so it is unshared before the clone instead. */
static unsigned long clone_flags(const struct plan *p)
{
	unsigned long flags = 0;
	for (unsigned k = 0; k < NS_KINDS; k++)
		if (p->has_ns[k] && !p->ns_path[k] && k != NS_TIME)
			flags |= (unsigned long)ns_table[k].flag;
	return flags;
}

/* fork(2) cannot create namespaces and glibc's clone(3) wants a separate stack; the raw system
 * call with no stack behaves like fork (the child gets a copy of our stack) and puts the child
 * straight into the new namespaces, as pid 1 of a new pid namespace. We never use threads, so
 * glibc's stale cached thread id in the child is harmless. */
static pid_t clone_child(unsigned long flags)
{
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Parent: after the clone                                                                    */

static int write_id_maps(const struct plan *p, pid_t child, struct err *e)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/uid_map", (int)child);
	if (write_file(path, p->uidmap.text, p->uidmap.len, e) < 0)
		return -1;
	/* We write gid_map as root of the parent namespace, so setgroups can stay allowed. */
	snprintf(path, sizeof path, "/proc/%d/gid_map", (int)child);
	return write_file(path, p->gidmap.text, p->gidmap.len, e);
}

static int send_go(int sync, pid_t child, struct err *e)
{
	char pid[16];
	snprintf(pid, sizeof pid, "%d", (int)child);
	if (sync_send(sync, SYNC_GO, pid, -1) < 0)
		return fail(e, errno, "send go to the container process");
	return 0;
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/* Waits for CHILD, retrying on EINTR; -1 if it cannot be waited for. */
static int reap(pid_t child, int *status)
{
	while (waitpid(child, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* The child closed its end without a word: it died. Say how. */
static int child_vanished(pid_t child, struct err *e)
{
	int status;
	if (reap(child, &status) < 0)
		return fail(e, errno, "container process exited during setup");
	if (WIFSIGNALED(status))
		return fail(e, 0, "container process killed by signal %d during setup", WTERMSIG(status));
	return fail(e, 0, "container process exited with %d during setup", exit_code(status));
}

/* Reads the child's messages up to "ready", keeping a pty master it passes for the relay. */
/* SCMP_ACT_NOTIFY: hands the child's listener fd to the seccomp agent (connected beforehand, see
 * connect_seccomp_agent), with the container process state (runtime-spec) as the message, as
 * runc does. Our copy is closed by the caller: once the agent goes away, the kernel answers the
 * notified calls with ENOSYS. */
static int forward_seccomp_listener(const struct plan *p, int *agent, pid_t child, int fd, struct err *e)
{
	const char *path = p->seccomp_listener;
	int sock = *agent;
	*agent = -1;
	if (sock < 0)
		return fail(e, 0, "seccomp listener: no connection to the seccomp agent at %s", path);
	char *msg = NULL;
	pid_t init = p->listener_init ? p->listener_init : child;
	int n = asprintf(&msg, "%s%d%s%d%s", p->listener_json[0], (int)child, p->listener_json[1], (int)init, p->listener_json[2]);
	int rc = 0;
	if (n < 0)
		rc = fail(e, ENOMEM, "seccomp agent message");
	else if (send_with_fd(sock, msg, (size_t)n, fd) < 0)
		rc = fail(e, errno, "cannot send seccomp fd to %s", path);
	free(msg);
	close_fd(&sock);
	return rc;
}

static int await_ready(const struct plan *p, struct channels *ch, pid_t child, int *master, struct err *e)
{
	int sync = ch->sync;
	char buf[1 + MSG_MAX];
	for (;;) {
		int fd = -1;
		ssize_t n = sync_recv(sync, buf, sizeof buf, &fd);
		if (n < 0)
			return fail(e, errno, "read from the container process");
		if (n == 0)
			return child_vanished(child, e);
		if (buf[0] == SYNC_ERROR)
			return fail(e, 0, "%s", buf + 1);
		if (buf[0] == SYNC_PTY && fd >= 0 && *master < 0) {
			*master = fd;
			continue;
		}
		if (buf[0] == SYNC_SECCOMP && fd >= 0 && p->seccomp_listener) {
			int rc = forward_seccomp_listener(p, &ch->agent, child, fd, e);
			close_fd(&fd);
			if (rc < 0)
				return -1;
			if (sync_send(sync, SYNC_SECCOMP_DONE, "", -1) < 0)
				return fail(e, errno, "write to the container process");
			continue;
		}
		close_fd(&fd);
		if (buf[0] == SYNC_READY)
			return 0;
		return fail(e, 0, "unexpected message '%c' from the container process", buf[0]);
	}
}

/* The child's end of the sync socket is close-on-exec: end-of-file means the exec succeeded. */
static int await_exec(int sync, struct err *e)
{
	char buf[1 + MSG_MAX];
	ssize_t n = sync_recv(sync, buf, sizeof buf, NULL);
	if (n < 0)
		return fail(e, errno, "read from the container process");
	if (n == 0)
		return 0;
	if (buf[0] == SYNC_ERROR)
		return fail(e, 0, "%s", buf + 1);
	return fail(e, 0, "unexpected message '%c' from the container process", buf[0]);
}

/* Copies one chunk from FROM to TO; false once FROM is at its end (EOF, or EIO from a pty master
 * whose slave is closed). Output nobody reads any more is dropped: the container must still be
 * waited for. */
static bool pump(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof buf);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return false;
	(void)write_all(to, buf, (size_t)n);
	return true;
}

/* Forwards what is left in the pty after the container exited. A read after the slave closed
 * first flushes the kernel's pending pty buffer, then gives EIO; the short timeout only matters
 * when a process outside the container's pid namespace (exec mode) still holds the slave. */
static void drain(int master)
{
	struct pollfd pfd = { .fd = master, .events = POLLIN };
	while (poll(&pfd, 1, 100) > 0 && pump(master, STDOUT_FILENO))
		;
}

static bool make_raw(int fd, struct termios *saved)
{
	if (!isatty(fd) || tcgetattr(fd, saved) < 0)
		return false;
	struct termios raw = *saved;
	cfmakeraw(&raw);
	return tcsetattr(fd, TCSANOW, &raw) == 0;
}

static void copy_window_size(int from, int to)
{
	struct winsize ws;
	if (to >= 0 && ioctl(from, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(to, TIOCSWINSZ, &ws);
}

/* Handles one signal from the signalfd; true once CHILD has been reaped into *STATUS. */
static bool handle_signal(int sfd, pid_t child, int master, int *status)
{
	struct signalfd_siginfo si;
	if (read(sfd, &si, sizeof si) != (ssize_t)sizeof si)
		return false;
	switch (si.ssi_signo) {
	case SIGCHLD:
		return waitpid(child, status, WNOHANG) == child;
	case SIGWINCH:
		copy_window_size(STDIN_FILENO, master);
		return false;
	default:
		/* Forward what a process sent us (si_code <= 0: kill, sigqueue, tgkill). Signals the
		 * kernel raised for our terminal reached the container's process group already. */
		if (si.ssi_code <= 0)
			(void)kill(child, (int)si.ssi_signo);
		return false;
	}
}

static int signal_fd(void)
{
	static const int forwarded[] = { SIGCHLD, SIGWINCH, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2 };
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_LEN(forwarded); i++)
		sigaddset(&set, forwarded[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC);
}

/* Run/exec mode: waits for the container process while forwarding signals sent to the helper
 * and, with a pty MASTER to relay, copying our stdin to it and its output to our stdout. Returns
 * the exit code in shell convention. */
static int wait_container(pid_t child, int master)
{
	int status = 0, sfd = signal_fd();
	bool done = false, in_open = master >= 0, out_open = master >= 0;
	struct termios saved;
	bool raw = master >= 0 && make_raw(STDIN_FILENO, &saved);
	/* SIGCHLD may have come (and been discarded) before it was blocked. */
	if (sfd >= 0 && waitpid(child, &status, WNOHANG) == child)
		done = true;
	while (!done && sfd >= 0) {
		struct pollfd fds[3] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
			{ .fd = out_open ? master : -1, .events = POLLIN },
		};
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[2].revents)
			out_open = pump(master, STDOUT_FILENO);
		if (fds[1].revents)
			in_open = pump(STDIN_FILENO, master);
		if (fds[0].revents)
			done = handle_signal(sfd, child, master, &status);
	}
	/* Without a signalfd (or after poll failed) a plain wait is all that is left. */
	if (!done && reap(child, &status) < 0)
		status = 1 << 8;
	if (master >= 0)
		drain(master);
	if (raw)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	close_fd(&sfd);
	return exit_code(status);
}

/* Everything the parent does once the child exists. Returns the helper's exit code, or -1 with
 * E set (the caller then kills and reaps the child). */
static int supervise(const struct plan *p, struct channels *ch, pid_t child, struct err *e)
{
	int master = -1;
	if (p->has_ns[NS_USER] && !p->ns_path[NS_USER] && write_id_maps(p, child, e) < 0)
		return -1;
	notify_line(ch->notify, "pid %d", (int)child);
	if (p->sync_hooks && await_runtime_go(ch->notify, e) < 0)
		return -1;
	if (send_go(ch->sync, child, e) < 0 || await_ready(p, ch, child, &master, e) < 0)
		return -1;
	notify_line(ch->notify, "created");
	if (p->mode == MODE_CREATE)
		return 0;
	if (await_exec(ch->sync, e) < 0)
		return -1;
	notify_line(ch->notify, "started");
	if (p->detach)
		return 0;
	int code = wait_container(child, master);
	close_fd(&master);
	notify_line(ch->notify, "exit %d", code);
	return code;
}

/* ------------------------------------------------------------------------------------------ */
/* Child: resolving paths inside the rootfs                                                   */

struct fd_path {
	char s[32];
};

/* "/proc/self/fd/N": lets path-only system calls (mount, statvfs) act on exactly the object FD
 * was opened on. */
static struct fd_path fd_path(int fd)
{
	struct fd_path p;
	snprintf(p.s, sizeof p.s, "/proc/self/fd/%d", fd);
	return p;
}

/* Opens PATH below the directory ROOT, resolving symlinks as if ROOT were "/": an image's
 * symlink (absolute or with "..") cannot lead out of the rootfs, and magic links such as
 * /proc/self/root are refused. Mount points crossed on the way are followed. */
static int open_in_root(int root, const char *path, int flags)
{
	struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC), .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	return (int)syscall(SYS_openat2, root, path, &how, sizeof how);
}

enum create_kind { CREATE_NONE, CREATE_DIR, CREATE_FILE };

/* Creates NAME inside the directory DIR; -1 with errno set (EEXIST included) on failure. */
static int create_component(int dir, const char *name, bool as_file)
{
	if (!as_file)
		return mkdirat(dir, name, 0755);
	int fd = openat(dir, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	close_fd(&fd);
	return 0;
}

static int create_in_root(int root, const char *path, enum create_kind kind, int depth, struct err *e);

/* Makes the component that ends BUF (it starts at BUF + START, DIR is its directory) exist after
 * open_in_root found nothing there. When the name is taken, it is a symlink whose target is
 * missing: its target is created (inside the rootfs, like `mkdir -p` in the container would),
 * so the walk can go on through it. */
static int make_component(int root, int dir, const char *buf, size_t start, enum create_kind kind, int depth, struct err *e)
{
	char target[PATH_MAX], path[PATH_MAX];
	if (create_component(dir, buf + start, kind == CREATE_FILE) == 0)
		return 0;
	if (errno != EEXIST)
		return fail(e, errno, "create %s in the rootfs", buf);
	ssize_t n = readlinkat(dir, buf + start, target, sizeof target - 1);
	if (n < 0) /* not a symlink: someone else created it meanwhile */
		return errno == EINVAL ? 0 : fail(e, errno, "readlink %s in the rootfs", buf);
	target[n] = '\0';
	/* A relative target is relative to the link's directory: BUF up to the link's name. */
	int len = target[0] == '/' ? snprintf(path, sizeof path, "%s", target)
				   : snprintf(path, sizeof path, "%.*s%s", (int)start, buf, target);
	if (len < 0 || (size_t)len >= sizeof path)
		return fail(e, ENAMETOOLONG, "create %s in the rootfs", buf);
	int fd = create_in_root(root, path, kind, depth + 1, e);
	if (fd < 0)
		return -1;
	close_fd(&fd);
	return 0;
}

/* Walks PATH component by component below ROOT, creating what is missing (directories, and a
 * file last for CREATE_FILE). Each prefix is opened with open_in_root and the next component is
 * created in what that returned, so creation happens inside the rootfs too. DEPTH counts the
 * dangling symlinks followed, against loops. Returns an O_PATH fd. */
static int create_in_root(int root, const char *path, enum create_kind kind, int depth, struct err *e)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	if (depth > 40)
		return fail(e, ELOOP, "create %s in the rootfs", path);
	if (len >= sizeof buf)
		return fail(e, ENAMETOOLONG, "%s", path);
	memcpy(buf, path, len + 1);
	int dir = fcntl(root, F_DUPFD_CLOEXEC, 0);
	if (dir < 0)
		return fail(e, errno, "dup");
	for (size_t start = 0; start < len;) {
		size_t end = start;
		while (end < len && buf[end] != '/')
			end++;
		if (end == start) { /* leading or repeated slash */
			start++;
			continue;
		}
		char saved = buf[end];
		buf[end] = '\0';
		int fd = open_in_root(root, buf, O_PATH);
		if (fd < 0 && errno == ENOENT) {
			bool last = end == len || buf[end + 1 + strspn(buf + end + 1, "/")] == '\0';
			if (make_component(root, dir, buf, start, last ? kind : CREATE_DIR, depth, e) < 0) {
				close_fd(&dir);
				return -1;
			}
			fd = open_in_root(root, buf, O_PATH);
		}
		if (fd < 0) {
			int err = errno;
			close_fd(&dir);
			return fail(e, err, "open %s in the rootfs", buf);
		}
		close_fd(&dir);
		dir = fd;
		buf[end] = saved;
		start = end;
	}
	return dir;
}

/* Opens PATH below ROOT as an O_PATH fd, creating it first when KIND says so and it is missing. */
static int resolve_in_root(int root, const char *path, enum create_kind kind, struct err *e)
{
	int fd = open_in_root(root, path, O_PATH);
	if (fd >= 0)
		return fd;
	if (errno != ENOENT || kind == CREATE_NONE)
		return fail(e, errno, "open %s in the rootfs", path);
	return create_in_root(root, path, kind, 0, e);
}

/* Splits PATH into its directory (opened below ROOT, created if missing) and final NAME. */
static int open_parent_in_root(int root, const char *path, char *dir, size_t size, const char **name, struct err *e)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	*name = slash ? slash + 1 : path;
	if (**name == '\0' || strcmp(*name, ".") == 0 || strcmp(*name, "..") == 0)
		return fail(e, EINVAL, "%s", path);
	if (dlen >= size)
		return fail(e, ENAMETOOLONG, "%s", path);
	memcpy(dir, path, dlen);
	dir[dlen] = '\0';
	return resolve_in_root(root, dlen ? dir : "/", CREATE_DIR, e);
}

/* ------------------------------------------------------------------------------------------ */
/* Child: the container's filesystem                                                          */

/* Flags the kernel keeps on a bind mount only when they are set in a remount. */
#define BIND_REMOUNT_FLAGS                                                                            \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME |    \
	 MS_STRICTATIME | MS_NOSYMFOLLOW)

static unsigned long locked_flags(unsigned long st_flags)
{
	static const unsigned long pairs[][2] = {
		{ ST_NOSUID, MS_NOSUID },     { ST_NODEV, MS_NODEV },	      { ST_NOEXEC, MS_NOEXEC },
		{ ST_NOATIME, MS_NOATIME },   { ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
	};
	unsigned long flags = 0;
	for (size_t i = 0; i < ARRAY_LEN(pairs); i++)
		if (st_flags & pairs[i][0])
			flags |= pairs[i][1];
	return flags;
}

/* Remounts the bind mount at TARGET with FLAGS. In a user namespace the kernel refuses to clear
 * flags that were locked when the mounts were copied from a more privileged namespace (nosuid,
 * nodev, noexec, atime), so on EPERM retry keeping the ones the mount already has. */
static int remount_bind(const char *target, unsigned long flags)
{
	if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | flags, NULL) == 0)
		return 0;
	if (errno != EPERM)
		return -1;
	struct statvfs sv;
	if (statvfs(target, &sv) < 0) {
		errno = EPERM;
		return -1;
	}
	return mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | flags | locked_flags(sv.f_flag), NULL);
}

/* Unescapes the octal escapes (\040 and friends) of a /proc/self/mountinfo field in place. */
static void unescape_mountinfo(char *s)
{
	char *out = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

static bool is_path_prefix(const char *prefix, const char *path)
{
	size_t n = strlen(prefix);
	if (strcmp(prefix, "/") == 0)
		return true;
	return strncmp(prefix, path, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* Finds the mount point of the mount holding PATH (the last, i.e. topmost, of the longest). */
static int find_mount_point(const char *path, char *out, size_t size, struct err *e)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return fail(e, errno, "open /proc/self/mountinfo");
	char *line = NULL;
	size_t cap = 0, best = 0;
	snprintf(out, size, "/");
	while (getline(&line, &cap, f) > 0) {
		char *save = NULL, *field = strtok_r(line, " ", &save);
		for (int i = 0; field && i < 4; i++) /* id, parent, dev, root, then the mount point */
			field = strtok_r(NULL, " ", &save);
		if (!field)
			continue;
		unescape_mountinfo(field);
		if (is_path_prefix(field, path) && strlen(field) >= best && strlen(field) < size) {
			best = strlen(field);
			memcpy(out, field, best + 1);
		}
	}
	free(line);
	if (fclose(f) != 0)
		return fail(e, errno, "read /proc/self/mountinfo");
	return 0;
}

/* pivot_root refuses a new root that is, or sits on, a shared mount. With "/" made shared
 * (rootfs-propagation rshared) the mount holding the rootfs is made private in our namespace,
 * as runc does; the bind of the rootfs then starts private too. */
static int make_rootfs_mount_private(const char *rootfs, struct err *e)
{
	char mp[PATH_MAX];
	if (find_mount_point(rootfs, mp, sizeof mp, e) < 0)
		return -1;
	if (mount(NULL, mp, NULL, MS_PRIVATE, NULL) < 0)
		return fail(e, errno, "make %s private", mp);
	return 0;
}

/* Sets the propagation of "/" so nothing we mount leaks to the host (default rslave), and makes
 * the rootfs a mount point of its own, which pivot_root needs. */
static int prepare_rootfs(const struct plan *p, const char *rootfs, struct err *e)
{
	unsigned long prop = p->has_propagation ? p->rootfs_propagation : MS_REC | MS_SLAVE;
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return fail(e, errno, "set mount propagation of /");
	if ((prop & MS_SHARED) && make_rootfs_mount_private(rootfs, e) < 0)
		return -1;
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return fail(e, errno, "bind rootfs %s onto itself", rootfs);
	return 0;
}

/* Applies a bind mount's own flags (the kernel ignores them in the initial MS_BIND) and then the
 * propagation flags, each on a fresh fd of DEST: the fd taken before mounting names the mount
 * point underneath, not the new mount. */
static int finish_mount(int root, const struct mount_spec *m, struct err *e)
{
	unsigned long remount = m->flags & BIND_REMOUNT_FLAGS;
	if (!((m->flags & MS_BIND) && remount) && !m->propflags)
		return 0;
	int fd = resolve_in_root(root, m->dest, CREATE_NONE, e);
	if (fd < 0)
		return -1;
	struct fd_path target = fd_path(fd);
	int rc = 0;
	if ((m->flags & MS_BIND) && remount && remount_bind(target.s, remount) < 0)
		rc = fail(e, errno, "remount %s with its flags", m->dest);
	if (rc == 0 && m->propflags && mount(NULL, target.s, NULL, m->propflags, NULL) < 0)
		rc = fail(e, errno, "set mount propagation of %s", m->dest);
	close_fd(&fd);
	return rc;
}

/* Files below /proc a bind mount may cover: the ones lxcfs emulates, as runc allows. */
static const char *const PROC_MOUNTS_ALLOWED[] = {
	"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat",     "/proc/swaps",
	"/proc/uptime",	 "/proc/loadavg",   "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
};

static bool is_kernel_fs(const char *type)
{
	return strcmp(type, "proc") == 0 || strcmp(type, "sysfs") == 0;
}

/* proc and sysfs go only on a directory of the rootfs itself, never through a symlink the image
 * put there (CVE-2019-16884): the kernel files would then appear where the masks, the read-only
 * paths and the container's programs do not expect them. */
static int check_kernel_fs_target(int root, const struct mount_spec *m, struct err *e)
{
	int fd = open_in_root(root, m->dest, O_PATH | O_NOFOLLOW);
	if (fd < 0)
		return 0; /* missing: created as a directory */
	struct stat st;
	int rc = fstat(fd, &st) < 0 ? fail(e, errno, "stat %s", m->dest) : 0;
	if (rc == 0 && !S_ISDIR(st.st_mode))
		rc = fail(e, 0, "mount %s on %s: filesystem \"%s\" must be mounted on ordinary directory", m->src, m->dest, m->type);
	close_fd(&fd);
	return rc;
}

/* Where the mount point FD really is, measured from the rootfs: the destination after every
 * symlink in the image was resolved. Nothing but proc itself may be mounted on the container's
 * /proc, and nothing inside it but lxcfs's files (CVE-2019-19921): a mount there could hide a
 * masked file or make a host-global one writable. */
static int check_proc_target(int fd, const char *rootfs, const struct mount_spec *m, struct err *e)
{
	char where[PATH_MAX];
	struct fd_path self = fd_path(fd);
	ssize_t n = readlink(self.s, where, sizeof where - 1);
	if (n < 0)
		return fail(e, errno, "mount %s on %s: readlink", m->src, m->dest);
	where[n] = '\0';
	size_t rlen = strcmp(rootfs, "/") == 0 ? 0 : strlen(rootfs);
	if (strncmp(where, rootfs, rlen) != 0)
		return fail(e, 0, "mount %s on %s: the destination resolved outside the rootfs (%s)", m->src, m->dest, where);
	const char *rel = where + rlen;
	if (!is_path_prefix("/proc", rel))
		return 0;
	if (strcmp(rel, "/proc") == 0) {
		struct statfs sf;
		if (strcmp(m->type, "proc") == 0 || ((m->flags & MS_BIND) && statfs(m->src, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC))
			return 0;
		return fail(e, 0, "mount %s on %s: \"%s\" cannot be mounted because it is not of type proc", m->src, m->dest, rel);
	}
	for (size_t i = 0; i < ARRAY_LEN(PROC_MOUNTS_ALLOWED); i++)
		if (strcmp(rel, PROC_MOUNTS_ALLOWED[i]) == 0)
			return 0;
	return fail(e, 0, "mount %s on %s: \"%s\" cannot be mounted because it is inside /proc", m->src, m->dest, rel);
}

/* One `mount` directive. The mount point is created if missing, as a file when a bind source is
 * not a directory, and the mount goes onto the fd it was resolved to, so nothing swapped in
 * the image meanwhile (CVE-2021-30465) can move it. */
static int do_mount(int root, const char *rootfs, const struct mount_spec *m, struct err *e)
{
	enum create_kind kind = CREATE_DIR;
	if (m->flags & MS_BIND) {
		struct stat st;
		if ((m->tree >= 0 ? fstat(m->tree, &st) : stat(m->src, &st)) < 0)
			return fail(e, errno, "mount %s on %s", m->src, m->dest);
		if (!S_ISDIR(st.st_mode))
			kind = CREATE_FILE;
	}
	if (is_kernel_fs(m->type) && check_kernel_fs_target(root, m, e) < 0)
		return -1;
	int fd = resolve_in_root(root, m->dest, kind, e);
	if (fd < 0)
		return -1;
	if (check_proc_target(fd, rootfs, m, e) < 0) {
		close_fd(&fd);
		return -1;
	}
	struct fd_path target = fd_path(fd);
	int r = m->tree >= 0 ? move_mount(m->tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
			     : mount(m->src, target.s, m->type[0] ? m->type : NULL, m->flags, m->data[0] ? m->data : NULL);
	int saved = errno;
	close_fd(&fd);
	if (r < 0)
		return fail(e, saved, "mount %s on %s", m->src, m->dest);
	return finish_mount(root, m, e);
}

/* mknod is refused inside a user namespace; then an empty file gets the host's node bound over
 * it (the container path is also the host path of the node, as with runc). */
static int bind_host_device(int dir, const char *name, const struct device_spec *d, struct err *e)
{
	if (create_component(dir, name, true) < 0 && errno != EEXIST)
		return fail(e, errno, "create %s", d->path);
	int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail(e, errno, "open %s", d->path);
	struct fd_path target = fd_path(fd);
	int r = mount(d->path, target.s, NULL, MS_BIND, NULL);
	int saved = errno;
	close_fd(&fd);
	return r < 0 ? fail(e, saved, "bind device %s", d->path) : 0;
}

static int make_device(int root, const struct device_spec *d, struct err *e)
{
	char dirpath[PATH_MAX];
	const char *name;
	int dir = open_parent_in_root(root, d->path, dirpath, sizeof dirpath, &name, e);
	if (dir < 0)
		return -1;
	int rc = 0;
	if (mknodat(dir, name, d->type | d->mode, d->dev) == 0) {
		if (fchownat(dir, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
			rc = fail(e, errno, "chown device %s", d->path);
	} else if (errno == EPERM) {
		rc = bind_host_device(dir, name, d, e);
	} else if (errno != EEXIST) { /* an existing node is kept, as runc does */
		rc = fail(e, errno, "mknod %s", d->path);
	}
	close_fd(&dir);
	return rc;
}

static int make_symlink(int root, const struct link_spec *s, struct err *e)
{
	char dirpath[PATH_MAX];
	const char *name;
	int dir = open_parent_in_root(root, s->path, dirpath, sizeof dirpath, &name, e);
	if (dir < 0)
		return -1;
	int rc = 0;
	if (symlinkat(s->target, dir, name) < 0 && errno != EEXIST)
		rc = fail(e, errno, "symlink %s -> %s", s->path, s->target);
	close_fd(&dir);
	return rc;
}

/* mount, device and symlink directives, in plan order within each kind. */
static int populate_rootfs(const struct plan *p, const char *rootfs, struct err *e)
{
	int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return fail(e, errno, "open rootfs %s", rootfs);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < p->nmounts; i++)
		rc = do_mount(root, rootfs, &p->mounts[i], e);
	for (size_t i = 0; rc == 0 && i < p->ndevices; i++)
		rc = make_device(root, &p->devices[i], e);
	for (size_t i = 0; rc == 0 && i < p->nlinks; i++)
		rc = make_symlink(root, &p->links[i], e);
	close_fd(&root);
	return rc;
}

/* Written through the host's /proc before pivot_root: /proc/sys shows the namespaces of the
 * writer, so this reaches the container's new net/ipc/uts namespaces whether or not the
 * container mounts a /proc of its own. Dots become slashes, so a key cannot contain "..". */
static int write_sysctl(const struct sysctl_spec *s, struct err *e)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof path, "/proc/sys/%s", s->key);
	if (n < 0 || (size_t)n >= sizeof path)
		return fail(e, ENAMETOOLONG, "sysctl %s", s->key);
	for (char *c = path + strlen("/proc/sys/"); *c; c++)
		if (*c == '.')
			*c = '/';
	return write_file(path, s->value, strlen(s->value), e);
}

/* pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves only the
 * rootfs. It is made a slave first so the detach cannot propagate to the host's mounts. */
static int pivot_into(const char *rootfs, struct err *e)
{
	int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (oldroot < 0)
		return fail(e, errno, "open /");
	int rc = 0;
	if (chdir(rootfs) < 0)
		rc = fail(e, errno, "chdir %s", rootfs);
	else if (syscall(SYS_pivot_root, ".", ".") < 0)
		rc = fail(e, errno, "pivot_root %s", rootfs);
	else if (fchdir(oldroot) < 0) /* the kernel does not promise what "." is now; be explicit */
		rc = fail(e, errno, "fchdir old root");
	else if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		rc = fail(e, errno, "make old root a slave");
	else if (umount2(".", MNT_DETACH) < 0)
		rc = fail(e, errno, "detach old root");
	else if (chdir("/") < 0)
		rc = fail(e, errno, "chdir /");
	close_fd(&oldroot);
	return rc;
}

/* Opens PATH (a container path, after pivot_root) as an O_PATH fd without following any symlink
 * or magic link on the way: the masked and read-only paths name kernel files (/proc/kcore,
 * /proc/sys, /sys/firmware), and a symlink the image planted there could point the mount
 * elsewhere. -1 with errno ENOENT when it is missing, ELOOP when a symlink is in the way. */
static int open_exact(const char *path)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
	return (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
}

/* Attaches the detached mount TREE onto the object FD was opened on. Mounting by fd needs no
 * path lookup at all, so neither the container's /proc (which the config may not even mount)
 * nor a symlink can redirect it. Closes TREE. */
static int attach_mount(int tree, int fd)
{
	int r = move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
	int saved = errno;
	close_fd(&tree);
	errno = saved;
	return r;
}

/* An empty read-only tmpfs, detached, ready for attach_mount. */
static int empty_readonly_tmpfs(void)
{
	int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -1;
	int tree = -1;
	/* source "tmpfs" and a read-only superblock: what mount("tmpfs", …, MS_RDONLY) made, as
	 * /proc/self/mountinfo shows it */
	if (fsconfig(fs, FSCONFIG_SET_STRING, "source", "tmpfs", 0) == 0 && fsconfig(fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) == 0 &&
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		tree = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
	int saved = errno;
	close_fd(&fs);
	errno = saved;
	return tree;
}

/* A detached bind of the container's /dev/null, checked to be the null device (1:3): an image
 * without a /dev mount brings its own /dev/null, and when that is a symlink to, say,
 * /proc/sys/kernel/core_pattern, binding it over a masked file would hand the container a
 * writable host-global file (CVE-2025-31133). */
static int null_device_tree(struct err *e)
{
	int fd = open_exact("/dev/null");
	if (fd < 0)
		return fail(e, errno, "open the container's /dev/null for a masked path");
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int saved = errno;
		close_fd(&fd);
		return fail(e, saved, "stat the container's /dev/null");
	}
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
		close_fd(&fd);
		return fail(e, 0, "the container's /dev/null is not the null device (1:3); refusing to bind it over masked paths");
	}
	int tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	int saved = errno;
	close_fd(&fd);
	return tree < 0 ? fail(e, saved, "clone a mount of /dev/null") : tree;
}

/* Masked path (container path, after pivot_root): /dev/null over a file, an empty read-only tmpfs
 * over a directory. Paths the image lacks are skipped, as runc does. */
static int mask_path(const char *path, struct err *e)
{
	int fd = open_exact(path);
	if (fd < 0 && errno == ELOOP)
		return fail(e, 0, "mask %s: a symlink in the path could redirect the mask; refused", path);
	if (fd < 0)
		return errno == ENOENT ? 0 : fail(e, errno, "mask %s", path);
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) < 0) {
		rc = fail(e, errno, "mask %s", path);
	} else if (S_ISDIR(st.st_mode)) {
		int tree = empty_readonly_tmpfs();
		if (tree < 0 || attach_mount(tree, fd) < 0)
			rc = fail(e, errno, "mask %s", path);
	} else {
		int tree = null_device_tree(e);
		if (tree < 0)
			rc = -1;
		else if (attach_mount(tree, fd) < 0)
			rc = fail(e, errno, "mask %s", path);
	}
	close_fd(&fd);
	return rc;
}

/* A read-only bind of PATH over itself, like runc's (submounts come along; only the top one is
 * made read-only). The clone is made read-only while still detached, so no moment exists in
 * which the container could see it writable. */
static int readonly_path(const char *path, struct err *e)
{
	int fd = open_exact(path);
	if (fd < 0 && errno == ELOOP)
		return fail(e, 0, "make %s read-only: a symlink in the path could redirect the mount; refused", path);
	if (fd < 0)
		return errno == ENOENT ? 0 : fail(e, errno, "make %s read-only", path);
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
	int rc = 0;
	int tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
	if (tree < 0 || mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) {
		rc = fail(e, errno, "make %s read-only", path);
		if (tree >= 0)
			close_fd(&tree);
	} else if (attach_mount(tree, fd) < 0) {
		rc = fail(e, errno, "make %s read-only", path);
	}
	close_fd(&fd);
	return rc;
}

/* Read-only in place: mount_setattr changes only the read-only attribute, so nosuid, noexec and
 * the rest stay as mounted (a bind remount would have to restate them); with RECURSIVE every
 * submount too (runc's "rro"). */
static int remount_readonly(const char *path, bool recursive, struct err *e)
{
	struct {
		uint64_t attr_set, attr_clr, propagation, userns_fd;
	} attr = { .attr_set = 0x00000001 /* MOUNT_ATTR_RDONLY */ };
	unsigned flags = recursive ? 0x8000 /* AT_RECURSIVE */ : 0;
	if (syscall(442 /* SYS_mount_setattr */, AT_FDCWD, path, flags, &attr, sizeof attr) < 0)
		return fail(e, errno, "make %s read-only%s", path, recursive ? " (recursively)" : "");
	return 0;
}

/* Masked and read-only paths, then the read-only root; all after pivot_root. */
static int restrict_paths(const struct plan *p, struct err *e)
{
	for (size_t i = 0; i < p->nremount_ro; i++)
		if (remount_readonly(p->remount_ro[i], p->remount_ro_recursive[i], e) < 0)
			return -1;
	for (size_t i = 0; i < p->nmasks; i++)
		if (mask_path(p->masks[i], e) < 0)
			return -1;
	for (size_t i = 0; i < p->nreadonly; i++)
		if (readonly_path(p->readonly[i], e) < 0)
			return -1;
	if (p->readonly_rootfs && remount_bind("/", MS_RDONLY) < 0)
		return fail(e, errno, "remount / read-only");
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Child: hooks                                                                               */

/* "bad system call" for SIGSYS: the wording runc's (Go's) hook errors use, which callers match. */
static const char *lower_signal_name(int sig)
{
	static __thread char buf[64];
	const char *name = strsignal(sig);
	size_t i = 0;
	for (; name && name[i] && i + 1 < sizeof buf; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	buf[i] = '\0';
	return buf;
}

/* State JSON as the runtime prepared it, with the container's host pid in the middle. */
static char *hook_state(const struct plan *p, pid_t hostpid, size_t *len)
{
	const char *prefix = p->state_prefix ? p->state_prefix : "", *suffix = p->state_suffix ? p->state_suffix : "";
	size_t size = strlen(prefix) + strlen(suffix) + 16;
	char *s = malloc(size);
	if (s)
		*len = (size_t)snprintf(s, size, "%s%d%s", prefix, (int)hostpid, suffix);
	return s;
}

/* In the forked hook process: state on stdin, stdout/stderr into OUT/ERR (memfds; -1 leaves
 * ours), default signal state, exec with the hook's argv (args[0] is argv[0] even when it is not
 * PATH). An exec failure goes to REPORT (close-on-exec, so silence means the exec happened) as
 * its errno. */
static _Noreturn void exec_hook(const struct hook_spec *h, int stdin_fd, int out, int err, int report)
{
	sigset_t none;
	sigemptyset(&none);
	int saved;
	if (dup2(stdin_fd, STDIN_FILENO) < 0 || (out >= 0 && dup2(out, STDOUT_FILENO) < 0) || (err >= 0 && dup2(err, STDERR_FILENO) < 0) ||
	    signal(SIGPIPE, SIG_DFL) == SIG_ERR || sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		saved = errno;
	else {
		execve(h->path, h->argv, h->envp);
		saved = errno;
	}
	(void)write_all(report, &saved, sizeof saved);
	_exit(127);
}

/* Waits for PID, killing it after TIMEOUT seconds (0: no limit). A pidfd makes the wait
 * pollable without a SIGCHLD handler. */
static int wait_hook(pid_t pid, unsigned timeout, int *status, bool *timed_out, struct err *e)
{
	*timed_out = false;
	if (timeout > 0) {
		int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (pfd < 0) {
			int saved = errno;
			(void)kill(pid, SIGKILL);
			(void)reap(pid, status);
			return fail(e, saved, "pidfd_open");
		}
		struct pollfd x = { .fd = pfd, .events = POLLIN };
		int r;
		do
			r = poll(&x, 1, (int)timeout * 1000);
		while (r < 0 && errno == EINTR);
		close_fd(&pfd);
		if (r == 0) {
			*timed_out = true;
			(void)kill(pid, SIGKILL);
		}
	}
	return reap(pid, status) < 0 ? fail(e, errno, "wait for hook") : 0;
}

/* What a failed hook wrote on one stream (a memfd), for its error; newlines survive here and
 * become spaces on the protocol line. */
static const char *hook_output(int fd, char *buf, size_t size)
{
	buf[0] = '\0';
	if (fd < 0)
		return buf;
	ssize_t n = pread(fd, buf, size - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* Runs hook number INDEX of its phase; a failure reads as runc v1.1's ("error running hook #0:
 * error running hook: exit status 1, stdout: ..., stderr: ..."). Output goes into memfds rather
 * than pipes so that a child the hook leaves behind cannot hold us up; where memfd_create is
 * refused (a seccomp filter before startContainer), the hook writes to our stdio instead. */
static int run_hook(const struct hook_spec *h, unsigned index, const char *state, size_t len, struct err *e)
{
	const char *phase = hook_phase_names[h->phase];
	int in[2], report[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return fail(e, errno, "pipe");
	if (pipe2(report, O_CLOEXEC) < 0) {
		int saved = errno;
		close_fd(&in[0]);
		close_fd(&in[1]);
		return fail(e, saved, "pipe");
	}
	int out = (int)syscall(SYS_memfd_create, "hook-stdout", 1u /* MFD_CLOEXEC */);
	int err = out < 0 ? -1 : (int)syscall(SYS_memfd_create, "hook-stderr", 1u /* MFD_CLOEXEC */);
	if (err < 0)
		close_fd(&out);
	pid_t pid = fork();
	if (pid < 0) {
		int saved = errno;
		close_fd(&in[0]);
		close_fd(&in[1]);
		close_fd(&report[0]);
		close_fd(&report[1]);
		close_fd(&out);
		close_fd(&err);
		return fail(e, saved, "fork %s hook %s", phase, h->path);
	}
	if (pid == 0)
		exec_hook(h, in[0], out, err, report[1]);
	close_fd(&in[0]);
	close_fd(&report[1]);
	/* Make room for the whole state so a hook that never reads stdin cannot block us past its
	 * timeout; a hook that exits without reading gives EPIPE (SIGPIPE is ignored), which is fine. */
	if (len > 65536)
		(void)fcntl(in[1], F_SETPIPE_SZ, (int)len);
	int exec_errno = 0;
	ssize_t got;
	do
		got = read(report[0], &exec_errno, sizeof exec_errno);
	while (got < 0 && errno == EINTR);
	close_fd(&report[0]);
	if (got == (ssize_t)sizeof exec_errno) {
		close_fd(&in[1]);
		close_fd(&out);
		close_fd(&err);
		int status;
		(void)reap(pid, &status);
		/* Go's exec.Cmd start error, lower-case reason */
		const char *why = strerror(exec_errno);
		return fail(e, 0, "error running hook #%u: fork/exec %s: %c%s", index, h->path, tolower((unsigned char)why[0]), why + 1);
	}
	(void)write_all(in[1], state, len);
	close_fd(&in[1]);
	int status;
	bool timed_out;
	int rc = 0;
	if (wait_hook(pid, h->timeout, &status, &timed_out, e) < 0)
		rc = -1;
	else if (timed_out)
		rc = fail(e, 0, "error running hook #%u: hook ran past specified timeout of %u.0s", index, h->timeout);
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		static char o[1536], r[1536];
		char how[96];
		if (WIFSIGNALED(status))
			snprintf(how, sizeof how, "signal: %s", lower_signal_name(WTERMSIG(status)));
		else
			snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(status));
		rc = fail(e, 0, "error running hook #%u: error running hook: %s, stdout: %s, stderr: %s", index, how,
			  hook_output(out, o, sizeof o), hook_output(err, r, sizeof r));
	}
	close_fd(&out);
	close_fd(&err);
	return rc;
}

static int run_hooks(const struct plan *p, enum hook_phase phase, pid_t hostpid, struct err *e)
{
	char *state = NULL;
	size_t len = 0;
	int rc = 0;
	unsigned index = 0; /* runc numbers hooks within their phase */
	for (size_t i = 0; rc == 0 && i < p->nhooks; i++) {
		if (p->hooks[i].phase != phase)
			continue;
		if (!state && !(state = hook_state(p, hostpid, &len)))
			return fail(e, ENOMEM, "hook state");
		rc = run_hook(&p->hooks[i], index++, state, len, e);
	}
	free(state);
	return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Child: setup                                                                               */

/* A fresh user namespace starts us as the overflow id (with every capability inside it); mapped
 * root is what the rest of the setup and the kernel's ownership checks expect. Joining one
 * leaves our ids unmapped the same way. */
static int become_namespace_root(struct err *e)
{
	if (setresgid(0, 0, 0) < 0)
		return fail(e, errno, "setresgid to root in the user namespace");
	if (setresuid(0, 0, 0) < 0)
		return fail(e, errno, "setresuid to root in the user namespace");
	return 0;
}

static int set_uts_names(const struct plan *p, struct err *e)
{
	if (p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0)
		return fail(e, errno, "sethostname %s", p->hostname);
	if (p->domainname && setdomainname(p->domainname, strlen(p->domainname)) < 0)
		return fail(e, errno, "setdomainname %s", p->domainname);
	return 0;
}

/* create/run: everything between the namespaces and the process attributes. */
static int setup_container(const struct plan *p, pid_t hostpid, struct err *e)
{
	char rootfs[PATH_MAX];
	/* Nodes, mount points and symlinks get exactly the modes asked for; the process's own
	 * umask is set later. */
	umask(0);
	if (set_uts_names(p, e) < 0)
		return -1;
	if (!realpath(p->rootfs, rootfs))
		return fail(e, errno, "rootfs %s", p->rootfs);
	if (prepare_rootfs(p, rootfs, e) < 0 || populate_rootfs(p, rootfs, e) < 0)
		return -1;
	for (size_t i = 0; i < p->nsysctls; i++)
		if (write_sysctl(&p->sysctls[i], e) < 0)
			return -1;
	/* createContainer hooks: in the container's namespaces, after the mounts, before pivot_root. */
	if (run_hooks(p, HOOK_CREATE_CONTAINER, hostpid, e) < 0 || pivot_into(rootfs, e) < 0)
		return -1;
	/* The rootfs mount may have been made private for pivot_root; give the container's "/" the
	 * propagation the plan asked for, as runc does. */
	if (p->has_propagation && mount(NULL, "/", NULL, p->rootfs_propagation, NULL) < 0)
		return fail(e, errno, "set mount propagation of the container's /");
	return restrict_paths(p, e);
}

static int set_rlimits(const struct plan *p, struct err *e)
{
	for (size_t i = 0; i < p->nrlimits; i++)
		if (setrlimit((__rlimit_resource_t)p->rlimits[i].resource, &p->rlimits[i].limit) < 0)
			return fail(e, errno, "setrlimit %d", p->rlimits[i].resource);
	return 0;
}

/* Hands the pty master to whoever shows it to the user: the console socket (with the slave's
 * name as payload, as runc sends it) or the parent, which relays its own stdio. */
static int hand_off_master(struct channels *ch, int master, const char *name, struct err *e)
{
	if (ch->console >= 0) {
		if (send_with_fd(ch->console, name, strlen(name), master) < 0)
			return fail(e, errno, "send pty master to the console socket");
		close_fd(&ch->console);
		return 0;
	}
	if (sync_send(ch->sync, SYNC_PTY, "", master) < 0)
		return fail(e, errno, "send pty master to the helper");
	return 0;
}

/* Makes the pty slave our stdio and controlling terminal (in a session of our own). */
static int adopt_slave(int slave, struct err *e)
{
	if (setsid() < 0)
		return fail(e, errno, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return fail(e, errno, "make the pty the controlling terminal");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return fail(e, errno, "dup2 pty to %d", fd);
	return 0;
}

/* Opens a pty from the container's /dev/ptmx (its own devpts after pivot_root). TIOCGPTPEER
 * opens the slave from the master itself, so no /dev/pts path lookup can be raced. */
static int setup_terminal(const struct plan *p, struct channels *ch, struct err *e)
{
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return fail(e, errno, "open /dev/ptmx");
	struct winsize ws = { .ws_row = p->rows, .ws_col = p->cols };
	unsigned index;
	char name[32];
	/* grantpt is a no-op on devpts; unlockpt is what is needed. */
	if (unlockpt(master) < 0 || ioctl(master, TIOCSWINSZ, &ws) < 0 || ioctl(master, TIOCGPTN, &index) < 0)
		return fail(e, errno, "set up pty");
	snprintf(name, sizeof name, "/dev/pts/%u", index);
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return fail(e, errno, "open pty slave %s", name);
	/* The process user owns its terminal, as login(1) arranges; root keeps it otherwise. */
	/* runc's console is raw on output: no "\n" -> "\r\n" translation a reader would have to undo */
	struct termios tio;
	if (tcgetattr(slave, &tio) == 0) {
		tio.c_oflag &= ~(tcflag_t)ONLCR;
		(void)tcsetattr(slave, TCSANOW, &tio);
	}
	if (p->has_user && fchown(slave, p->uid, (gid_t)-1) < 0)
		return fail(e, errno, "chown %s", name);
	if (hand_off_master(ch, master, name, e) < 0 || adopt_slave(slave, e) < 0)
		return -1;
	close_fd(&master);
	if (slave > 2)
		close_fd(&slave);
	return 0;
}

/* Drops every bounding-set capability not in MASK. Done before the uid change, while we still
 * hold CAP_SETPCAP in the effective set; probing with PR_CAPBSET_READ until EINVAL finds the
 * kernel's last capability without reading /proc. */
static int drop_bounding_set(uint64_t mask, struct err *e)
{
	for (int cap = 0; cap < 64; cap++) {
		int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (r < 0)
			break;
		if (r == 1 && !(mask & (UINT64_C(1) << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return fail(e, errno, "drop capability %d from the bounding set", cap);
	}
	return 0;
}

/* Groups, then gid, then uid (each step needs the privilege the next one removes). KEEPCAPS keeps
 * the permitted set across the uid change; set_capabilities then sets the effective set again. */
static int switch_user(const struct plan *p, struct err *e)
{
	if (setgroups(p->ngroups, p->groups) < 0)
		return fail(e, errno, "setgroups");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return fail(e, errno, "setresgid %u", (unsigned)p->gid);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return fail(e, errno, "prctl(PR_SET_KEEPCAPS)");
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return fail(e, errno, "setresuid %u", (unsigned)p->uid);
	return 0;
}

/* capset with what the plan asks, limited to the capabilities we still hold: like runc with caps
 * the kernel does not know, ones we lack cannot be granted and are left out rather than failing
 * the container. Then ambient caps (they must be permitted and inheritable by now). */
static int set_capabilities(const struct plan *p, struct err *e)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &hdr, data) < 0)
		return fail(e, errno, "capget");
	uint64_t held = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	uint64_t eff = p->caps[CAPS_EFFECTIVE] & held, perm = p->caps[CAPS_PERMITTED] & held;
	uint64_t inh = p->caps[CAPS_INHERITABLE] & held;
	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(eff >> (32 * i));
		data[i].permitted = (uint32_t)(perm >> (32 * i));
		data[i].inheritable = (uint32_t)(inh >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return fail(e, errno, "capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return fail(e, errno, "clear ambient capabilities");
	for (int cap = 0; cap < 64; cap++)
		if ((p->caps[CAPS_AMBIENT] & perm & inh & (UINT64_C(1) << cap)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return fail(e, errno, "raise ambient capability %d", cap);
	return 0;
}

static int install_seccomp(const struct plan *p, const struct channels *ch, struct err *e)
{
	struct sock_fprog prog = { .len = (unsigned short)p->nseccomp, .filter = p->seccomp };
	if (!p->seccomp_listener) {
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			return fail(e, errno, "install seccomp filter");
		return 0;
	}
	/* SCMP_ACT_NOTIFY: the listener goes to the parent, which passes it on to the agent; until
	 * the agent has it, a notified call (close, read…) just waits. The parent's answer keeps a
	 * refused agent from being noticed only after the exec. */
	int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (fd < 0)
		return fail(e, errno, "install seccomp filter");
	int rc = sync_send(ch->sync, SYNC_SECCOMP, "", fd);
	int saved = errno;
	close_fd(&fd);
	if (rc < 0)
		return fail(e, saved, "send the seccomp listener to the helper");
	char buf[1 + MSG_MAX];
	ssize_t n = sync_recv(ch->sync, buf, sizeof buf, NULL);
	if (n <= 0 || buf[0] != SYNC_SECCOMP_DONE)
		return fail(e, n < 0 ? errno : 0, "the helper did not pass the seccomp listener on");
	return 0;
}

static const char *env_value(const struct plan *p, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < p->nenv; i++)
		if (strncmp(p->env[i], name, n) == 0 && p->env[i][n] == '=')
			return p->env[i] + n + 1;
	return NULL;
}

/* strerror as Go prints errors (lower case), for messages callers match on: dockerd maps
 * "executable file not found" and "no such file or directory" to exit 127, "permission
 * denied" to 126. */
static const char *go_strerror(int errnum, char *buf, size_t size)
{
	snprintf(buf, size, "%s", strerror(errnum));
	buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

/* execvp's search, but on the container's PATH (from the plan's env) and done before seccomp,
 * so the filter only has to allow execve. Runs after the user switch: access() then answers for
 * the container's user. Errors are worded as runc's (Go's exec.LookPath). */
static int find_executable(const struct plan *p, char *out, size_t size, struct err *e)
{
	const char *name = p->args[0], *path = env_value(p, "PATH");
	char why[128];
	struct stat st;
	if (strchr(name, '/')) {
		if ((size_t)snprintf(out, size, "%s", name) >= size)
			return fail(e, 0, "exec: \"%s\": %s", name, go_strerror(ENAMETOOLONG, why, sizeof why));
		if (stat(out, &st) < 0)
			return fail(e, 0, "exec: \"%s\": stat %s: %s", name, name, go_strerror(errno, why, sizeof why));
		if (S_ISDIR(st.st_mode) || access(out, X_OK) < 0)
			return fail(e, 0, "exec: \"%s\": %s", name, go_strerror(S_ISDIR(st.st_mode) ? EISDIR : errno, why, sizeof why));
		return 0;
	}
	bool denied = false;
	for (const char *dir = path ? path : DEFAULT_PATH; name[0] != '\0'; dir++) {
		size_t dlen = strcspn(dir, ":");
		int n = snprintf(out, size, "%.*s/%s", (int)dlen, dlen ? dir : ".", name);
		if (n > 0 && (size_t)n < size && stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(out, X_OK) == 0)
				return 0;
			denied = true;
		}
		dir += dlen;
		if (*dir == '\0')
			break;
	}
	if (denied)
		return fail(e, 0, "exec: \"%s\": %s", name, go_strerror(EACCES, why, sizeof why));
	return fail(e, 0, "exec: \"%s\": executable file not found in $PATH", name);
}

/* Tells the parent we are set up. The parent-death signal goes first: in create mode the
 * parent exits on "ready" and we must outlive it. */
static int signal_ready(int sync, struct err *e)
{
	if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0)
		return fail(e, errno, "prctl(PR_SET_PDEATHSIG)");
	if (sync_send(sync, SYNC_READY, "", -1) < 0)
		return fail(e, errno, "send ready to the helper");
	return 0;
}

/* Before "created" is reported, a non-blocking open shows whether the process will be allowed
 * to open the fifo at all: permission is checked before the missing reader (ENXIO), so a
 * refusal becomes an error the runtime hears instead of a container that dies unseen later. */
static int probe_fifo(int fifo, struct err *e)
{
	struct fd_path path = fd_path(fifo);
	int fd = open(path.s, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		close_fd(&fd);
		return 0;
	}
	return errno == ENXIO ? 0 : fail(e, errno, "open exec fifo");
}

/* create mode: opening exec.fifo for writing blocks until `start` opens it for reading. The
 * fifo is reached through the O_PATH fd taken before pivot_root, via the container's /proc. */
static int wait_for_start(int fifo, struct err *e)
{
	struct fd_path path = fd_path(fifo);
	int fd;
	do
		fd = open(path.s, O_WRONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return fail(e, errno, "open exec fifo");
	int rc = write_all(fd, "0", 1) < 0 ? fail(e, errno, "write exec fifo") : 0;
	close_fd(&fd);
	return rc;
}

/* Only stdio (and the --preserve-fds range below FROM) crosses into the container: whatever else
 * the caller (a shell, a test harness, the daemon client) had open is marked close-on-exec, as
 * runc does. Done
 * before seccomp, whose profile need not allow close_range; kernels before 5.11 lack
 * CLOSE_RANGE_CLOEXEC, so /proc/self/fd is walked instead. */
static int close_fds_on_exec(unsigned from, struct err *e)
{
	if (syscall(SYS_close_range, from, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) == 0)
		return 0;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return fail(e, errno, "list /proc/self/fd");
	int self = dirfd(d);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		int fd = atoi(de->d_name);
		if (fd >= (int)from && fd != self)
			(void)fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	}
	closedir(d);
	return 0;
}

/* chdir, then proof that the directory is inside the container's root (CVE-2024-21626): a cwd
 * such as /proc/self/fd/N follows whatever fd N is, and an fd the caller leaked to us (a shim,
 * a shell) may be a host directory. getcwd(2) answers "(unreachable)..." rather than an absolute
 * path for a directory outside the root; glibc's wrapper hides that, so the system call is used. */
static int enter_cwd(const char *cwd, struct err *e)
{
	char buf[PATH_MAX];
	if (chdir(cwd) < 0)
		return fail(e, errno, "chdir %s", cwd);
	long n = syscall(SYS_getcwd, buf, sizeof buf);
	if (n < 0)
		return fail(e, errno, "chdir %s: getcwd", cwd);
	if (buf[0] != '/')
		return fail(e, 0, "chdir %s: the working directory is outside the container's root", cwd);
	return 0;
}

/* Moves FD (if open and below MIN) to the lowest free number at or above MIN, close-on-exec. */
static int move_fd_above(int *fd, int min, struct err *e)
{
	if (*fd < 0 || *fd >= min)
		return 0;
	int moved = fcntl(*fd, F_DUPFD_CLOEXEC, min);
	if (moved < 0)
		return fail(e, errno, "move fd %d", *fd);
	close_fd(fd);
	*fd = moved;
	return 0;
}

/* --preserve-fds N: the caller's fds 3 .. 3+N-1 are the process's, at the same numbers and
 * without close-on-exec. The child's own channels move out of that range first (they are ours,
 * never the caller's); fds fetched from another process are put in place with dup2. */
static int place_preserved_fds(const struct plan *p, struct channels *ch, struct err *e)
{
	if (p->preserve_fds == 0)
		return 0;
	int lim = 3 + (int)p->preserve_fds;
	if (move_fd_above(&ch->sync, lim, e) < 0 || move_fd_above(&ch->fifo, lim, e) < 0 || move_fd_above(&ch->console, lim, e) < 0)
		return -1;
	for (size_t i = 0; i < p->nmounts; i++)
		if (move_fd_above(&p->mounts[i].tree, lim, e) < 0)
			return -1;
	if (!ch->preserved) {
		for (int fd = 3; fd < lim; fd++) {
			int flags = fcntl(fd, F_GETFD);
			if (flags >= 0 && (flags & FD_CLOEXEC) && fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
				return fail(e, errno, "preserve fd %d", fd);
		}
		return 0;
	}
	for (unsigned i = 0; i < p->preserve_fds; i++)
		if (move_fd_above(&ch->preserved[i], lim, e) < 0)
			return -1;
	for (unsigned i = 0; i < p->preserve_fds; i++) {
		int target = 3 + (int)i;
		if (ch->preserved[i] < 0) {
			(void)close(target);
			continue;
		}
		if (dup2(ch->preserved[i], target) < 0)
			return fail(e, errno, "preserve fd %d", target);
		close_fd(&ch->preserved[i]);
	}
	return 0;
}

/* Closes every fd above stdio except the ones the child still needs: nothing the caller had
 * open (a directory of the host above all) may be reachable through /proc/self/fd while the
 * child runs in the container, or be named as its cwd. runc passes nothing either without
 * --preserve-fds. */
static int close_inherited_fds(const struct plan *p, const struct channels *ch, struct err *e)
{
	int chans[] = { ch->sync, ch->fifo, ch->console };
	size_t nkeep = ARRAY_LEN(chans) + p->nmounts; /* and the bind sources the parent cloned */
	unsigned from = 3 + p->preserve_fds; /* the preserved fds, if any, sit right above stdio */
	for (;;) {
		int next = -1; /* the smallest kept fd at or above FROM */
		for (size_t i = 0; i < nkeep; i++) {
			int k = i < ARRAY_LEN(chans) ? chans[i] : p->mounts[i - ARRAY_LEN(chans)].tree;
			if (k >= (int)from && (next < 0 || k < next))
				next = k;
		}
		unsigned to = next < 0 ? ~0U : (unsigned)next - 1;
		if (next != (int)from && syscall(SYS_close_range, from, to, 0U) < 0)
			return fail(e, errno, "close inherited fds");
		if (next < 0)
			return 0;
		from = (unsigned)next + 1;
	}
}

/* runc brings the loopback of a new network namespace up: programs expect 127.0.0.1 to work. */
static int bring_up_loopback(struct err *e)
{
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return fail(e, errno, "socket for lo");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	int rc = 0;
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		rc = fail(e, errno, "get flags of lo");
	else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
			rc = fail(e, errno, "bring lo up");
	}
	close_fd(&sock);
	return rc;
}

/* The helper ignores SIGPIPE, and ignored signals survive execve; the container gets defaults. */
static int exec_process(const struct plan *p, const char *exe, struct err *e)
{
	sigset_t none;
	sigemptyset(&none);
	if (signal(SIGPIPE, SIG_DFL) == SIG_ERR || sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		return fail(e, errno, "reset signals");
	execve(exe, p->args, p->env);
	return fail(e, errno, "exec \"%s\"", p->args[0]);
}

/* The process attributes, for all modes, in the order that keeps each step possible:
 * rlimits, pty, umask and cwd while still root; seccomp without no_new_privs next, because then
 * the kernel demands CAP_SYS_ADMIN for it (so the filter also sees the calls below); bounding set
 * while CAP_SETPCAP is effective; user switch; capset; no_new_privs; "ready"; the fifo; the
 * seccomp with no_new_privs (the profile must allow what follows: the startContainer hooks, which
 * run under it as in runc, and execve). */
static int setup_process(const struct plan *p, struct channels *ch, pid_t hostpid, struct err *e)
{
	char exe[PATH_MAX];
	if (set_rlimits(p, e) < 0 || (p->has_terminal && setup_terminal(p, ch, e) < 0))
		return -1;
	umask(p->has_umask ? p->umask : 022);
	if (p->cwd && enter_cwd(p->cwd, e) < 0)
		return -1;
	if (close_fds_on_exec(3 + p->preserve_fds, e) < 0)
		return -1;
	if (p->seccomp && !p->no_new_privs && install_seccomp(p, ch, e) < 0)
		return -1;
	if (p->has_caps && drop_bounding_set(p->caps[CAPS_BOUNDING], e) < 0)
		return -1;
	if ((p->has_user && switch_user(p, e) < 0) || (p->has_caps && set_capabilities(p, e) < 0))
		return -1;
	if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail(e, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	if (find_executable(p, exe, sizeof exe, e) < 0)
		return -1;
	if (p->mode == MODE_CREATE && probe_fifo(ch->fifo, e) < 0)
		return -1;
	/* With a seccomp listener the parent must still be there to pass it on, so the filter goes
	 * on before "ready" (where runc puts it with no_new_privs, listener or not). */
	bool listener_now = p->seccomp && p->no_new_privs && p->seccomp_listener;
	if (listener_now && install_seccomp(p, ch, e) < 0)
		return -1;
	if (signal_ready(ch->sync, e) < 0)
		return -1;
	if (p->mode == MODE_CREATE && wait_for_start(ch->fifo, e) < 0)
		return -1;
	close_fd(&ch->fifo);
	/* With no_new_privs the filter goes on last, but before the startContainer hooks: they are
	 * the container's processes and run under its filter, as in runc. */
	if (p->seccomp && p->no_new_privs && !listener_now && install_seccomp(p, ch, e) < 0)
		return -1;
	if (run_hooks(p, HOOK_START_CONTAINER, hostpid, e) < 0)
		return -1;
	return exec_process(p, exe, e);
}

/* Waits for the parent's go (id maps written, runtime hooks run) and learns our host pid. */
static int await_parent_go(int sync, pid_t *hostpid, struct err *e)
{
	char buf[64];
	ssize_t n = sync_recv(sync, buf, sizeof buf, NULL);
	if (n < 0)
		return fail(e, errno, "read from the helper");
	if (n == 0 || buf[0] != SYNC_GO)
		return fail(e, 0, "the helper went away before go");
	*hostpid = (pid_t)atoi(buf + 1);
	return 0;
}

/* The child's life: returns only on error (else it has exec'd). */
static int child_main(const struct plan *p, struct channels *ch, struct err *e)
{
	pid_t hostpid = 0;
	/* Until "ready" a child without its parent is useless: die with it rather than linger. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return fail(e, errno, "prctl(PR_SET_PDEATHSIG)");
	/* Until execve (which makes the process dumpable again) our /proc entries — exe, fds, mem —
	 * are closed to the container's processes, which may share our pid namespace (exec, a
	 * joined pid namespace) but lack CAP_SYS_PTRACE on the host. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return fail(e, errno, "prctl(PR_SET_DUMPABLE)");
	if (place_preserved_fds(p, ch, e) < 0 || close_inherited_fds(p, ch, e) < 0)
		return -1;
	if (await_parent_go(ch->sync, &hostpid, e) < 0)
		return -1;
	if (p->has_ns[NS_USER] && become_namespace_root(e) < 0)
		return -1;
	if (p->has_ns[NS_NET] && !p->ns_path[NS_NET] && bring_up_loopback(e) < 0)
		return -1;
	if (p->mode != MODE_EXEC && setup_container(p, hostpid, e) < 0)
		return -1;
	return setup_process(p, ch, hostpid, e);
}

/* Child side of error reporting: the parent relays the message as `error`; once it is gone
 * (create mode after "created") only stderr is left. */
static _Noreturn void child_exit(int sync, const struct err *e)
{
	if (sync_send(sync, SYNC_ERROR, e->msg, -1) < 0)
		(void)dprintf(STDERR_FILENO, "dockyard-nsexec: %s\n", e->msg);
	_exit(1);
}

/* ------------------------------------------------------------------------------------------ */
/* Main                                                                                       */

/* In a new user namespace the container's root is a mapped uid: bind sources it may not read or
 * traverse (a 0700 directory of the host's root, as runc's tests make) would fail its mount(2).
 * So the parent, still the host's root in the host's mount namespace, clones each source tree
 * with open_tree(OPEN_TREE_CLONE) before the clone; the child attaches the detached copy with
 * move_mount, where it would have bound the path. A source that cannot be cloned here is left to
 * the child, which reports it as before. */
static int clone_bind_sources(const struct plan *p, struct err *e)
{
	if (p->mode == MODE_EXEC || !p->has_ns[NS_USER] || p->ns_path[NS_USER])
		return 0;
	for (size_t i = 0; i < p->nmounts; i++) {
		struct mount_spec *m = &p->mounts[i];
		if (!(m->flags & MS_BIND))
			continue;
		unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((m->flags & MS_REC) ? AT_RECURSIVE : 0);
		m->tree = open_tree(AT_FDCWD, m->src, flags);
		if (m->tree < 0)
			continue;
		/* A clone made in the host's namespace is in the source's peer group; a path bound in
		 * the child's namespace would have had the propagation "/" got there (rslave unless
		 * the config says otherwise), so the copy gets that. */
		unsigned long prop = p->has_propagation ? p->rootfs_propagation & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE) : 0;
		struct mount_attr attr = { .propagation = prop ? prop : MS_SLAVE };
		if (mount_setattr(m->tree, "", AT_EMPTY_PATH | ((m->flags & MS_REC) ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0) {
			int saved = errno;
			close_fd(&m->tree);
			return fail(e, saved, "set the propagation of the bind source %s", m->src);
		}
	}
	return 0;
}

/* Namespaces, clone, then the child's setup and the parent's supervision. Returns the helper's
 * exit code or -1 with E set (the child, if any, is gone by then). */
static int run(const struct plan *p, struct channels *ch, struct err *e)
{
	int pair[2];
	if (p->has_oom && write_oom_score_adj(p->oom_score_adj, e) < 0)
		return -1;
	if (join_cgroups(p, e) < 0 || join_namespaces(p, e) < 0)
		return -1;
	if (p->has_ns[NS_TIME] && !p->ns_path[NS_TIME] && unshare(CLONE_NEWTIME) < 0)
		return fail(e, errno, "unshare time namespace");
	if (clone_bind_sources(p, e) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		return fail(e, errno, "socketpair");
	pid_t child = clone_child(clone_flags(p));
	if (child < 0) {
		int saved = errno;
		close_fd(&pair[0]);
		close_fd(&pair[1]);
		return fail(e, saved, "clone");
	}
	if (child == 0) {
		/* The notify socket must not stay open in a container waiting on its fifo: the runtime
		 * would never see end-of-file. */
		close_fd(&ch->notify);
		close_fd(&ch->agent);
		close_fd(&pair[0]);
		ch->sync = pair[1];
		child_main(p, ch, e);
		child_exit(ch->sync, e);
	}
	close_fd(&pair[1]);
	close_fd(&ch->fifo);
	close_fd(&ch->console);
	for (unsigned i = 0; ch->preserved && i < p->preserve_fds; i++)
		close_fd(&ch->preserved[i]);
	for (size_t i = 0; i < p->nmounts; i++)
		close_fd(&p->mounts[i].tree);
	ch->sync = pair[0];
	int code = supervise(p, ch, child, e);
	if (code < 0) {
		int status;
		(void)kill(child, SIGKILL);
		(void)reap(child, &status);
	}
	return code;
}

/* ------------------------------------------------------------------------------------------ */
/* Client mode: the thin front end of `dockyard runc daemon`                                  */

/* The resident daemon does a verb's Java work (state, cgroups, plan) without a JVM start; this
 * process sends it the caller's cwd and argv, copies the frames it answers with to stdout and
 * stderr, and, for create/run/exec, receives the plan and carries it out itself, so the
 * container gets the caller's stdio and is the caller's child, just as with the local helper.
 *
 *   client -> daemon  request LEN:PID LEN:CWD LEN:ARG...\n ; during a plan: pid/created/started/exit/error
 *                     lines as on a notify socket, then done STATUS\n
 *   daemon -> client  out LEN:BYTES\n | err LEN:BYTES\n | plan LEN:BYTES\n | exit N\n ;
 *                     go\n or abort MSG\n during a plan with sync-hooks                        */

enum { FRAME_MAX = 1 << 20 };

/* Reads "WORD " or "WORD LEN:" one byte at a time, so nothing meant for the plan phase (go,
 * abort) is swallowed by a buffer. Returns the payload length, or -1 for "exit N" (N in *code). */
static long read_frame_header(int fd, char *word, size_t cap, int *code, struct err *e)
{
	size_t n = 0;
	char c;
	for (;;) {
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return fail(e, r < 0 ? errno : 0, "the runc daemon closed the connection");
		if (c == ' ')
			break;
		if (n + 1 >= cap)
			return fail(e, 0, "malformed frame from the runc daemon");
		word[n++] = c;
	}
	word[n] = '\0';
	long value = 0;
	for (int digits = 0;; digits++) {
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR) {
			digits--;
			continue;
		}
		if (r <= 0)
			return fail(e, r < 0 ? errno : 0, "the runc daemon closed the connection");
		if (c >= '0' && c <= '9' && digits < 9) {
			value = value * 10 + (c - '0');
			continue;
		}
		if (strcmp(word, "exit") == 0 && c == '\n') {
			*code = (int)value;
			return -1;
		}
		if (c != ':' || value > FRAME_MAX)
			return fail(e, 0, "malformed frame from the runc daemon");
		return value;
	}
}

static int read_exact(int fd, char *buf, size_t len, struct err *e)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return fail(e, r < 0 ? errno : 0, "the runc daemon closed the connection");
		got += (size_t)r;
	}
	return 0;
}

/* Carries out a plan the daemon sent, reporting on the connection, and ends with "done N". The
 * plan runs in a forked helper process, exactly as a local helper would: the helper joins the
 * container's cgroups, and this client must stay outside them (the runtime kills and removes
 * everything in them when the container is deleted). */
static int client_run_plan(int conn, char *buf, size_t len, struct err *e)
{
	pid_t helper = fork();
	if (helper < 0) {
		fail(e, errno, "fork helper");
		notify_line(conn, "error %s", e->msg);
		notify_line(conn, "done 1");
		return 1;
	}
	if (helper == 0) {
		struct plan plan;
		struct channels ch = { .notify = conn, .console = -1, .fifo = -1, .sync = -1 };
		int code;
		memset(&plan, 0, sizeof plan);
		if (parse_plan(buf, len, &plan, e) < 0)
			code = -1;
		else {
			plan.notify = "(runc daemon connection)";
			code = validate_plan(&plan, e) < 0 || open_channels(&plan, &ch, e) < 0 ? -1 : run(&plan, &ch, e);
		}
		if (code < 0) {
			notify_line(conn, "error %s", e->msg);
			code = 1;
		}
		_exit(code);
	}
	int status;
	int code = reap(helper, &status) < 0 ? 1 : exit_code(status);
	notify_line(conn, "done %d", code);
	return code;
}

/* No daemon that will serve us: hand over to the JVM front end, which does the same work itself. */
static _Noreturn void client_fallback(int argc, char **argv, const struct err *why, bool general)
{
	const char *fallback = getenv("DOCKYARD_RUNC_FALLBACK");
	if (fallback && *fallback) {
		char **args = calloc((size_t)argc + 3, sizeof *args);
		if (args) {
			size_t n = 0;
			args[n++] = (char *)fallback;
			if (!general)
				args[n++] = (char *)"runc";
			/* a general verb comes back to bin/dockyard, which must now take the JVM path */
			else if (setenv("DOCKYARD_RESIDENT", "off", 1) < 0)
				_exit(1);
			for (int i = 0; i < argc; i++)
				args[n++] = argv[i];
			execv(fallback, args);
		}
		(void)dprintf(STDERR_FILENO, "dockyard-nsexec: exec %s: %s\n", fallback, strerror(errno));
		_exit(1);
	}
	(void)dprintf(STDERR_FILENO, "dockyard-nsexec: %s\n", why->msg);
	_exit(1);
}

/* ---- Starting the daemon on first use ------------------------------------------------------
 *
 * With no daemon listening, the first client starts one (DOCKYARD_RUNC_FALLBACK runc daemon
 * --socket S --idle-timeout T) and waits for its socket; the daemon exits on its own once idle, so
 * an orchestrator that runs bin/dockyard-runc gets the resident runtime without any set-up.
 *   - One starter at a time: flock on S.lock. A client that cannot take the lock polls the socket
 *     instead (another client is starting the daemon); one that takes it connects once more first.
 *   - The daemon acts as root on our behalf, so it is started only in a directory that is ours and
 *     that nobody else can write (made 0700 when missing), and any daemon we talk to must run as
 *     our uid (SO_PEERCRED), wherever its socket is.
 *   - It is detached (own session, stdio on /dev/null and S.log, no inherited fds, cwd /, a fixed
 *     environment): an orchestrator that waits for the runtime's stdout to close, or that kills
 *     the runtime's process group, must not see or touch it.
 *   - Bounded: DOCKYARD_RUNC_START_TIMEOUT seconds (default 30; a first use may build the project),
 *     after which, or when the daemon process dies first, the verb runs on the JVM path.
 * The handshake (hello BUILD NAMESPACES) makes a daemon of another build, or one living in other
 * namespaces than ours, refuse us: the first shuts itself down and we start a fresh one (once),
 * the second we leave alone and take the JVM path. */

#include <sys/file.h>
#include <time.h>

#ifndef DOCKYARD_BUILD_ID
#define DOCKYARD_BUILD_ID "unbuilt"
#endif

enum { START_TIMEOUT_DEFAULT_S = 30, START_POLL_US = 3000 };
/* client_session results besides an exit status */
enum { SESSION_ERROR = -1, SESSION_REFUSED_BUILD = -2, SESSION_REFUSED = -3 };

static long long monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A non-negative integer from the environment, or DFLT when unset or malformed. */
static long env_seconds(const char *name, long dflt)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return dflt;
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	return errno == 0 && *end == '\0' && n >= 0 && n <= 86400 ? n : dflt;
}

/* The namespaces the daemon's Java side acts in (paths, cgroups, hooks, /proc/PID): "cgroup:[N]
 * ipc:[N] ..." in a fixed order; the daemon builds the same string for itself. */
static void namespace_ids(char *out, size_t cap)
{
	static const char *const kinds[] = { "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts" };
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
		char path[32], link[64];
		snprintf(path, sizeof path, "/proc/self/ns/%s", kinds[i]);
		ssize_t r = readlink(path, link, sizeof link - 1);
		if (r < 0)
			continue; /* a kernel without this kind: the daemon sees the same */
		link[r] = '\0';
		int w = snprintf(out + n, cap - n, "%s%s", n ? " " : "", link);
		if (w < 0 || (size_t)w >= cap - n)
			return;
		n += (size_t)w;
	}
}

/* Connects to the daemon and checks that it runs as our uid: a socket anyone could have bound
 * would otherwise hand us plans to execute as root. errno is ENOENT/ECONNREFUSED when nobody
 * listens there. */
static int daemon_connect(const char *socket_path, struct err *e)
{
	int conn = connect_unix(socket_path, "runc daemon", e);
	if (conn < 0)
		return -1;
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		int saved = errno;
		close_fd(&conn);
		errno = EPERM;
		return fail(e, saved, "credentials of the runc daemon on %s", socket_path);
	}
	if (cred.uid != geteuid()) {
		close_fd(&conn);
		errno = EPERM;
		return fail(e, 0, "the runc daemon on %s runs as uid %u, not as ours (%u): not using it", socket_path,
			    (unsigned)cred.uid, (unsigned)geteuid());
	}
	return conn;
}

/* Splits SOCKET_PATH's directory into DIR; "" means the root directory. */
static int socket_dir(const char *socket_path, char *dir, size_t size, struct err *e)
{
	const char *slash = strrchr(socket_path, '/');
	if (!slash) {
		snprintf(dir, size, ".");
		return 0;
	}
	if ((size_t)(slash - socket_path) >= size)
		return fail(e, ENAMETOOLONG, "runc daemon socket %s", socket_path);
	memcpy(dir, socket_path, (size_t)(slash - socket_path));
	dir[slash - socket_path] = '\0';
	return 0;
}

static int private_socket_dir(const char *socket_path, struct err *e)
{
	char dir[PATH_MAX];
	if (socket_dir(socket_path, dir, sizeof dir, e) < 0)
		return -1;
	const char *d = dir[0] ? dir : "/";
	if (mkdir(d, 0700) < 0 && errno != EEXIST)
		return fail(e, errno, "create %s", d);
	struct stat st;
	if (lstat(d, &st) < 0)
		return fail(e, errno, "stat %s", d);
	/* nobody else may create or replace files in it (reading it is harmless: the socket is 0600) */
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022) != 0)
		return fail(e, 0, "%s is not a directory of uid %u that only it can write: not starting a runc daemon there", d,
			    (unsigned)geteuid());
	return 0;
}

/* In the daemon process (a grandchild, in its own session): stdio, fds, cwd and environment that
 * owe nothing to the client that happened to start it, then the front end. */
static _Noreturn void exec_daemon(const char *front, const char *socket_path, bool general)
{
	char log[PATH_MAX + 8], idle[24];
	struct err e;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	snprintf(log, sizeof log, "%s.log", socket_path);
	int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	struct stat st;
	/* each daemon adds a few lines; a log that grew past 1 MiB over many starts begins again */
	if (out >= 0 && fstat(out, &st) == 0 && st.st_size > (1 << 20))
		(void)ftruncate(out, 0);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out >= 0 ? out : null, STDOUT_FILENO) < 0 ||
	    dup2(out >= 0 ? out : null, STDERR_FILENO) < 0)
		_exit(127);
	/* the general daemon keeps the cwd and environment it serves (they are in its socket's name) */
	if (close_fds_on_exec(3, &e) < 0 || (!general && chdir("/") < 0))
		_exit(127);
	sigset_t none;
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)signal(SIGPIPE, SIG_DFL);
	snprintf(idle, sizeof idle, "%ld", env_seconds(general ? "DOCKYARD_RESIDENT_IDLE" : "DOCKYARD_RUNC_IDLE", 60));
	if (general) {
		char *args[] = { (char *)front, (char *)"resident", (char *)"--socket", (char *)socket_path, (char *)"--idle-timeout", idle, NULL };
		execv(front, args);
		(void)dprintf(STDERR_FILENO, "dockyard-nsexec: exec %s: %s\n", front, strerror(errno));
		_exit(127);
	}
	/* The environment is fixed so that the daemon behaves the same whoever started it. DOCKYARD_RUNC_TRACE and friends are read per
	 * verb on the JVM path only (bin/dockyard-runc does not use the daemon when they are set). */
	char *envp[] = { (char *)"PATH=" DEFAULT_PATH, (char *)"LC_CTYPE=C.UTF-8", (char *)"HOME=/", NULL, NULL, NULL };
	size_t n = 3;
	/* which JDK and which classes (bin/dockyard's DOCKYARD_CLASSPATH): part of the build, not knobs */
	static const char *const kept[] = { "JAVA_HOME", "DOCKYARD_CLASSPATH" };
	for (size_t i = 0; i < ARRAY_LEN(kept); i++) {
		const char *v = getenv(kept[i]);
		if (v && *v && asprintf(&envp[n], "%s=%s", kept[i], v) > 0)
			n++;
		else
			envp[n] = NULL;
	}
	char *args[] = { (char *)front, (char *)"runc", (char *)"daemon", (char *)"--socket", (char *)socket_path,
			 (char *)"--idle-timeout", idle, NULL };
	execve(front, args, envp);
	(void)dprintf(STDERR_FILENO, "dockyard-nsexec: exec %s: %s\n", front, strerror(errno));
	_exit(127);
}

/* Starts the daemon detached (double fork, so it is nobody's child here and no subreaper waits on
 * it as ours) and returns its pid. */
static pid_t spawn_daemon(const char *front, const char *socket_path, bool general, struct err *e)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return fail(e, errno, "pipe");
	pid_t mid = fork();
	if (mid < 0) {
		close_fd(&p[0]);
		close_fd(&p[1]);
		return fail(e, errno, "fork");
	}
	if (mid == 0) {
		(void)setsid();
		pid_t daemon = fork();
		if (daemon == 0)
			exec_daemon(front, socket_path, general);
		(void)write_all(p[1], &daemon, sizeof daemon);
		_exit(daemon < 0);
	}
	close_fd(&p[1]);
	pid_t daemon = -1;
	ssize_t r;
	while ((r = read(p[0], &daemon, sizeof daemon)) < 0 && errno == EINTR)
		;
	close_fd(&p[0]);
	int status;
	(void)reap(mid, &status);
	if (r != (ssize_t)sizeof daemon || daemon < 0)
		return fail(e, 0, "could not start the runc daemon");
	return daemon;
}

/* Connects to the daemon on SOCKET_PATH, starting it first when nobody listens there (see above).
 * Returns the connection, or -1 with *e saying why the JVM path has to do. */
static int client_connect(const char *socket_path, bool start, bool general, struct err *e)
{
	int conn = daemon_connect(socket_path, e);
	if (conn >= 0 || !start || (errno != ENOENT && errno != ECONNREFUSED))
		return conn;
	const char *front = getenv("DOCKYARD_RUNC_FALLBACK");
	const char *autostart = getenv("DOCKYARD_RUNC_AUTOSTART");
	if (!front || !*front || (autostart && strcmp(autostart, "0") == 0))
		return -1; /* *e says nobody listens */
	if (private_socket_dir(socket_path, e) < 0)
		return -1;
	long long deadline = monotonic_ms() + env_seconds("DOCKYARD_RUNC_START_TIMEOUT", START_TIMEOUT_DEFAULT_S) * 1000;
	char lockpath[PATH_MAX + 8];
	snprintf(lockpath, sizeof lockpath, "%s.lock", socket_path);
	int lock = open(lockpath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lock < 0)
		return fail(e, errno, "open %s", lockpath);
	while (flock(lock, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			fail(e, errno, "lock %s", lockpath);
			goto out;
		}
		/* another client is starting it: take it as soon as it answers */
		if ((conn = daemon_connect(socket_path, e)) >= 0 || errno == EPERM)
			goto out;
		if (monotonic_ms() > deadline) {
			fail(e, 0, "the runc daemon did not come up on %s in time", socket_path);
			goto out;
		}
		usleep(START_POLL_US);
	}
	/* started (or shut down) while we waited for the lock? */
	if ((conn = daemon_connect(socket_path, e)) >= 0 || (errno != ENOENT && errno != ECONNREFUSED))
		goto out;
	pid_t daemon = spawn_daemon(front, socket_path, general, e);
	if (daemon < 0)
		goto out;
	for (;;) {
		if ((conn = daemon_connect(socket_path, e)) >= 0 || (errno != ENOENT && errno != ECONNREFUSED))
			break;
		if (kill(daemon, 0) < 0 && errno == ESRCH) {
			fail(e, 0, "the runc daemon exited before it listened on %s (see %s.log)", socket_path, socket_path);
			break;
		}
		if (monotonic_ms() > deadline) {
			fail(e, 0, "the runc daemon did not come up on %s in time (see %s.log)", socket_path, socket_path);
			break;
		}
		usleep(START_POLL_US);
	}
out:
	close_fd(&lock); /* releases the flock */
	return conn;
}

static int send_request(int fd, int argc, char **argv, struct err *e)
{
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		return fail(e, errno, "getcwd");
	/* first who we are: the build (a daemon of another build must not serve us) and the
	 * namespaces (the daemon's Java side must see the same files, cgroups and processes) */
	char ns[512], head[64];
	namespace_ids(ns, sizeof ns);
	int n = snprintf(head, sizeof head, "hello %zu:", strlen(DOCKYARD_BUILD_ID));
	if (write_all(fd, head, (size_t)n) < 0 || write_all(fd, DOCKYARD_BUILD_ID, strlen(DOCKYARD_BUILD_ID)) < 0)
		return fail(e, errno, "write to the runc daemon");
	n = snprintf(head, sizeof head, " %zu:", strlen(ns));
	if (write_all(fd, head, (size_t)n) < 0 || write_all(fd, ns, strlen(ns)) < 0 || write_all(fd, "\n", 1) < 0)
		return fail(e, errno, "write to the runc daemon");
	/* our pid first: the daemon reaches our /dev/fd/N (`-p <(...)`) through /proc/PID/fd/N */
	char pid[24];
	int pidlen = snprintf(pid, sizeof pid, "%d", (int)getpid());
	n = snprintf(head, sizeof head, "request %d:%s %zu:", pidlen, pid, strlen(cwd));
	if (write_all(fd, head, (size_t)n) < 0 || write_all(fd, cwd, strlen(cwd)) < 0)
		return fail(e, errno, "write to the runc daemon");
	for (int i = 0; i < argc; i++) {
		n = snprintf(head, sizeof head, " %zu:", strlen(argv[i]));
		if (write_all(fd, head, (size_t)n) < 0 || write_all(fd, argv[i], strlen(argv[i])) < 0)
			return fail(e, errno, "write to the runc daemon");
	}
	if (write_all(fd, "\n", 1) < 0)
		return fail(e, errno, "write to the runc daemon");
	return 0;
}

/* One verb over CONN: the exit status, SESSION_ERROR (*e says why), or SESSION_REFUSED[_BUILD]
 * when the daemon would not serve us (then nothing was written to stdout or stderr). */
static int client_session(int conn, int argc, char **argv, struct err *e)
{
	if (send_request(conn, argc, argv, e) < 0)
		return SESSION_ERROR;
	char word[16];
	bool first = true;
	for (;;) {
		int code = 0;
		long len = read_frame_header(conn, word, sizeof word, &code, e);
		if (len == -1 && strcmp(word, "exit") == 0)
			return code;
		if (len < 0)
			return SESSION_ERROR;
		char *buf = malloc((size_t)len + 1);
		if (!buf)
			return fail(e, errno, "frame of %ld bytes", len);
		char nl;
		if (read_exact(conn, buf, (size_t)len, e) < 0 || read_exact(conn, &nl, 1, e) < 0) {
			free(buf);
			return SESSION_ERROR;
		}
		buf[len] = '\0';
		int refused = 0;
		if (first && strcmp(word, "err") == 0 && strcmp(buf, "dockyard runc daemon: malformed request\n") == 0) {
			/* a daemon from before the hello (it read ours as a malformed request): not ours */
			free(buf);
			fail(e, 0, "the runc daemon predates this client");
			return SESSION_REFUSED;
		}
		first = false;
		if (strcmp(word, "out") == 0)
			(void)write_all(STDOUT_FILENO, buf, (size_t)len);
		else if (strcmp(word, "err") == 0)
			(void)write_all(STDERR_FILENO, buf, (size_t)len);
		else if (strcmp(word, "plan") == 0)
			(void)client_run_plan(conn, buf, (size_t)len, e);
		else if (strcmp(word, "refuse") == 0) {
			fail(e, 0, "the runc daemon refused: %s", buf);
			refused = strncmp(buf, "build", 5) == 0 ? SESSION_REFUSED_BUILD : SESSION_REFUSED;
		} else
			refused = fail(e, 0, "unknown frame \"%s\" from the runc daemon", word);
		free(buf);
		if (refused)
			return refused;
	}
}

/* One verb through the daemon at PATH (started first when START allows it), for runc's daemon
 * or, with GENERAL, the resident front end. A daemon of another build shuts itself down when it
 * refuses us: ours is started, once. Refused or out of reach: the JVM path. */
static int through_daemon(const char *path, bool start, bool general, int argc, char **argv)
{
	struct err e;
	int code = SESSION_ERROR;
	for (int attempt = 0; attempt < 2; attempt++) {
		int conn = client_connect(path, start, general, &e);
		if (conn < 0)
			client_fallback(argc, argv, &e, general);
		code = client_session(conn, argc, argv, &e);
		close_fd(&conn);
		if (code != SESSION_REFUSED_BUILD)
			break;
	}
	if (code == SESSION_REFUSED || code == SESSION_REFUSED_BUILD)
		client_fallback(argc, argv, &e, general);
	if (code >= 0)
		return code;
	(void)dprintf(STDERR_FILENO, "%s: %s\n", general ? "dockyard" : "dockyard-nsexec", e.msg);
	return 1;
}

static int resident_main(int argc, char **argv);

static int client_main(const char *socket_path, int argc, char **argv)
{
	if (strcmp(socket_path, "--resident") == 0)
		return resident_main(argc, argv);
	return through_daemon(socket_path, true, false, argc, argv);
}

/* ------------------------------------------------------------------------------------------ */
/* Running from a sealed copy (CVE-2019-5736)                                                 */

/* While the child sets a container up, and in exec mode while it sits in the container's pid
 * namespace before execve, its /proc/PID/exe is this binary. A process in the container could
 * open that and, once the child has exec'd (the kernel refuses writes to a running executable
 * only while it runs), reopen it through /proc/self/fd for writing: the file on the host — the
 * build output, or the copy extracted under --root — would then be the container's program the
 * next time any container starts, running as root on the host. So the helper never runs from
 * that file: it copies itself into a memfd, seals it against every change, and re-executes the
 * copy. A write through the exe link then fails with EPERM, whatever the container does, and a
 * seal cannot be removed. The copy costs one in-kernel sendfile of the binary per start. */
#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#define SEALED_ENV "_DOCKYARD_NSEXEC_SEALED"

static int run_from_sealed_copy(char **argv, struct err *e)
{
	int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return fail(e, errno, "open /proc/self/exe");
	int seals = fcntl(self, F_GET_SEALS);
	if (seals >= 0 && (seals & SEALS) == SEALS) {
		close_fd(&self);
		(void)unsetenv(SEALED_ENV);
		return 0;
	}
	/* The marker only guards against a re-exec loop on a kernel that loses the seals; it is
	 * never trusted as proof of sealing (a caller could set it). */
	if (getenv(SEALED_ENV)) {
		close_fd(&self);
		return fail(e, 0, "re-executed from a memfd, but /proc/self/exe is not sealed");
	}
	struct stat st;
	if (fstat(self, &st) < 0) {
		int saved = errno;
		close_fd(&self);
		return fail(e, saved, "stat /proc/self/exe");
	}
	int mem = memfd_create("dockyard-nsexec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mem < 0) {
		int saved = errno;
		close_fd(&self);
		return fail(e, saved, "memfd_create");
	}
	for (off_t done = 0; done < st.st_size;) {
		ssize_t n = sendfile(mem, self, NULL, (size_t)(st.st_size - done));
		if (n <= 0) {
			int saved = n < 0 ? errno : EIO;
			close_fd(&self);
			close_fd(&mem);
			return fail(e, saved, "copy /proc/self/exe into a memfd");
		}
		done += n;
	}
	close_fd(&self);
	if (fcntl(mem, F_ADD_SEALS, SEALS) < 0) {
		int saved = errno;
		close_fd(&mem);
		return fail(e, saved, "seal the memfd copy");
	}
	if (setenv(SEALED_ENV, "1", 1) < 0) {
		int saved = errno;
		close_fd(&mem);
		return fail(e, saved, "setenv");
	}
	/* MFD_CLOEXEC: the fd is gone in the new image, which the kernel has mapped by then. */
	syscall(SYS_execveat, mem, "", argv, environ, AT_EMPTY_PATH);
	int saved = errno;
	close_fd(&mem);
	(void)unsetenv(SEALED_ENV);
	return fail(e, saved, "exec the sealed copy");
}

/* ---- The general resident front end: `dockyard-nsexec client --resident KIT VERB ...` --------
 *
 * For bin/dockyard verbs other than runc's (those bin/dockyard lists: they read no stdin, need no
 * terminal, serve nothing), a resident JVM (`dockyard resident`) runs Main with its System.out
 * and System.err framed back to us. A JVM cannot take over a caller's cwd and environment per
 * request, so each daemon serves exactly one: its socket's name is a hash of the build, our uid,
 * cwd, umask, namespaces and environment (less a few shell and harness bookkeeping variables),
 * and it is started in that cwd with that environment. Another directory or environment gets
 * another daemon (each exits when idle; at most RESIDENT_MAX at a time). */

static void fnv(uint64_t *h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		*h ^= p[i];
		*h *= 1099511628211ULL;
	}
	*h ^= 0xff; /* field separator */
	*h *= 1099511628211ULL;
}

extern char **environ;

/* Variables that shells and benchmark harnesses change from one command to the next and that no
 * program acts on: left out of the key, or every call would get a daemon of its own (hyperfine
 * varies the length of its variable on every run on purpose). The daemon keeps those of the
 * call that started it. */
static bool bookkeeping(const char *var)
{
	static const char *const names[] = { "_=", "OLDPWD=", "SHLVL=", "HYPERFINE_RANDOMIZED_ENVIRONMENT_OFFSET=" };
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (strncmp(var, names[i], strlen(names[i])) == 0)
			return true;
	return false;
}

enum { RESIDENT_MAX = 4 };

/* How many resident daemons (sockets) live beside PATH: each is a JVM of ~100-200 MB, so with
 * RESIDENT_MAX of them a call from yet another cwd or environment takes the JVM path instead. */
static int resident_count(const char *path)
{
	char dir[PATH_MAX];
	struct err e;
	if (socket_dir(path, dir, sizeof dir, &e) < 0)
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (strncmp(de->d_name, "resident-", 9) == 0 && len > 5 && strcmp(de->d_name + len - 5, ".sock") == 0)
			n++;
	}
	closedir(d);
	return n;
}

static int resident_socket(char *path, size_t size, struct err *e)
{
	char cwd[PATH_MAX], ns[512], num[32];
	if (!getcwd(cwd, sizeof cwd))
		return fail(e, errno, "getcwd");
	namespace_ids(ns, sizeof ns);
	mode_t mask = umask(0);
	umask(mask);
	uint64_t h = 14695981039346656037ULL;
	fnv(&h, DOCKYARD_BUILD_ID, strlen(DOCKYARD_BUILD_ID));
	snprintf(num, sizeof num, "%u %o", (unsigned)geteuid(), (unsigned)mask);
	fnv(&h, num, strlen(num));
	fnv(&h, cwd, strlen(cwd));
	fnv(&h, ns, strlen(ns));
	for (char **v = environ; *v; v++)
		if (!bookkeeping(*v))
			fnv(&h, *v, strlen(*v));
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;
	if (xdg && *xdg == '/')
		n = snprintf(path, size, "%s/dockyard/resident-%016llx.sock", xdg, (unsigned long long)h);
	else if (geteuid() == 0)
		n = snprintf(path, size, "/run/dockyard/resident-%016llx.sock", (unsigned long long)h);
	else
		return fail(e, 0, "no XDG_RUNTIME_DIR for the resident front end");
	if (n < 0 || (size_t)n >= size)
		return fail(e, ENAMETOOLONG, "resident front end socket");
	return 0;
}

static int resident_main(int argc, char **argv)
{
	struct err e;
	char path[PATH_MAX];
	if (resident_socket(path, sizeof path, &e) < 0)
		client_fallback(argc, argv, &e, true);
	bool start = access(path, F_OK) == 0 || resident_count(path) < RESIDENT_MAX;
	return through_daemon(path, start, true, argc, argv);
}

int main(int argc, char **argv)
{
	struct plan plan;
	struct err e;
	struct channels ch = { .notify = -1, .console = -1, .fifo = -1, .sync = -1 };
	/* Client mode forks plan-running helpers from its own image, so it is sealed too; the
	 * resident front end of the other kits never comes near a container and skips the copy. */
	bool resident = argc >= 3 && strcmp(argv[1], "client") == 0 && strcmp(argv[2], "--resident") == 0;
	if (!resident && run_from_sealed_copy(argv, &e) < 0) {
		(void)dprintf(STDERR_FILENO, "dockyard-nsexec: %s\n", e.msg);
		return 1;
	}
	if (argc >= 3 && strcmp(argv[1], "client") == 0) {
		if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
			return 1;
		return client_main(argv[2], argc - 3, argv + 3);
	}
	if (argc != 2) {
		(void)dprintf(STDERR_FILENO, "usage: dockyard-nsexec PLANFILE | dockyard-nsexec client SOCKET RUNC-ARGS...\n");
		return 1;
	}
	/* A runtime that goes away must not kill us mid-setup: writes to it just fail. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		fail(&e, errno, "ignore SIGPIPE");
		die(-1, &e);
	}
	if (load_plan(argv[1], &plan, &e) < 0)
		die(notify_for_parse_error(&plan), &e);
	if (open_channels(&plan, &ch, &e) < 0)
		die(ch.notify, &e);
	int code = run(&plan, &ch, &e);
	if (code < 0)
		die(ch.notify, &e);
	return code;
}
