#!/usr/bin/env bash
# Smoke test for dockyard-nsexec (runc/src/main/c/nsexec.c): builds the helper, makes a busybox
# rootfs, writes plans by hand and checks what the containers see and what the helper reports on
# the notify socket. Run as root on Linux with namespaces, cgroups v1 (or a pids controller at
# /sys/fs/cgroup/pids), busybox (static) and python3. Prints PASS/FAIL per check; exits non-zero
# on any failure.
#
#   NSEXEC_SRC   source to build (default: the nsexec.c next to this test's main/ tree)
#   NSEXEC_WORK  scratch directory (default /tmp/nsexec-work; wiped and recreated)
set -u
export LC_ALL=C # ${#s} must count bytes for the LEN:BYTES plan encoding

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${NSEXEC_SRC:-$HERE/../../main/c/nsexec.c}
W=${NSEXEC_WORK:-/tmp/nsexec-work}
BIN=$W/dockyard-nsexec
R=$W/rootfs    # rootfs owned by host root
RU=$W/rootfs-u # copy owned by 100000, for the user namespace tests
CG=/sys/fs/cgroup/pids/nsexec-smoke
BUSYBOX=${BUSYBOX:-$(command -v busybox || echo /bin/busybox)}
failures=0
BG=()         # background pids (listeners, helpers) to kill on exit
CONTAINERS=() # host pids of container processes to kill on exit

cleanup() {
	local p
	for p in "${CONTAINERS[@]}" "${BG[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rmdir "$CG" 2>/dev/null
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "FAIL must run as root"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Plan writing

enc() { printf '%d:%s' "${#1}" "$1"; }
directive() { # directive KEYWORD ARG... -> one plan line
	local kw=$1 a
	shift
	printf '%s' "$kw"
	for a in "$@"; do printf ' '; enc "$a"; done
	printf '\n'
}

MS_RDONLY=1 MS_NOSUID=2 MS_NODEV=4 MS_NOEXEC=8 MS_BIND=4096 MS_REC=16384
MS_PRIVATE=$((1 << 18)) MS_SLAVE=$((1 << 19)) MS_SHARED=$((1 << 20)) MS_RELATIME=$((1 << 21))
MS_STRICTATIME=$((1 << 24))

# runc spec's default mounts (cgroup as a read-only rbind of the host's hierarchy), plus a
# tmpfs on /tmp so containers do not write into the shared rootfs.
default_mounts() {
	directive mount proc /proc proc $((MS_NOSUID | MS_NOEXEC | MS_NODEV)) 0 ""
	directive mount tmpfs /dev tmpfs $((MS_NOSUID | MS_STRICTATIME)) 0 "mode=755,size=65536k"
	directive mount devpts /dev/pts devpts $((MS_NOSUID | MS_NOEXEC)) 0 "newinstance,ptmxmode=0666,mode=0620,gid=5"
	directive mount shm /dev/shm tmpfs $((MS_NOSUID | MS_NOEXEC | MS_NODEV)) 0 "mode=1777,size=65536k"
	directive mount mqueue /dev/mqueue mqueue $((MS_NOSUID | MS_NOEXEC | MS_NODEV)) 0 ""
	directive mount sysfs /sys sysfs $((MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY)) 0 ""
	directive mount /sys/fs/cgroup /sys/fs/cgroup bind $((MS_BIND | MS_REC | MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY | MS_RELATIME)) 0 ""
	directive mount tmpfs /tmp tmpfs $((MS_NOSUID | MS_NODEV)) 0 ""
}
default_devices() {
	local d
	for d in "null 1 3" "zero 1 5" "full 1 7" "random 1 8" "urandom 1 9" "tty 5 0"; do
		set -- $d
		directive device "/dev/$1" c "$2" "$3" 438 0 0
	done
}
default_links() {
	directive symlink /proc/self/fd /dev/fd
	directive symlink /proc/self/fd/0 /dev/stdin
	directive symlink /proc/self/fd/1 /dev/stdout
	directive symlink /proc/self/fd/2 /dev/stderr
	directive symlink pts/ptmx /dev/ptmx
}
default_paths() {
	local p
	for p in /proc/acpi /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list /proc/sched_debug /proc/scsi /sys/firmware; do
		directive mask "$p"
	done
	for p in /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger; do
		directive readonly "$p"
	done
}
# base MODE [ROOTFS]: a runc-default container plan talking to $SOCK; callers add args etc.
base() {
	directive mode "$1"
	directive notify "$SOCK"
	directive rootfs "${2:-$R}"
	local t
	for t in pid mount uts ipc net cgroup; do directive ns "$t"; done
	default_mounts
	default_devices
	default_links
	default_paths
	directive env PATH=/bin HOME=/root
}
# join_ns PID TYPE...: ns lines joining the namespaces of process PID
join_ns() {
	local pid=$1 t
	shift
	for t in "$@"; do
		directive ns "$t" "/proc/$pid/ns/$([ "$t" = mount ] && echo mnt || echo "$t")"
	done
}
userns() {
	directive ns user
	directive uidmap 0 100000 65536
	directive gidmap 0 100000 65536
}

# ---------------------------------------------------------------------------------------------
# Running the helper

# begin NAME: the files of one test: $PLAN, $SOCK (notify), $OUT, $ERR, $NOTIFY
begin() {
	T=$1
	PLAN=$W/$T.plan SOCK=$W/$T.sock OUT=$W/$T.out ERR=$W/$T.err NOTIFY=$W/$T.notify
	rm -f "$PLAN" "$SOCK" "$OUT" "$ERR" "$NOTIFY"
}

wait_for() { # wait_for TRIES COMMAND...: retry every 50 ms
	local n=$1
	shift
	while ! "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.05
	done
}

# listen [REPLY]: notify listener on $SOCK writing the lines it gets to $NOTIFY
listen() {
	python3 "$W/notify.py" "$SOCK" "${1:-}" >"$NOTIFY" &
	LISTENER=$!
	BG+=("$LISTENER")
	wait_for 100 test -S "$SOCK"
}

# launch [REPLY]: runs the helper on $PLAN in the foreground (stdin /dev/null); RC = its status
launch() {
	listen "${1:-}"
	timeout 30 "$BIN" "$PLAN" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
	# The helper is gone, so the listener sees end-of-file, unless the plan named no notify socket
	# (or a container process still held it open, which the create test rules out).
	if wait_for 20 eval '! kill -0 "$LISTENER" 2>/dev/null'; then
		LISTENER_EOF=yes
	else
		LISTENER_EOF=no
		kill "$LISTENER" 2>/dev/null
	fi
	wait "$LISTENER" 2>/dev/null
	track_container
}

# launch_bg: runs the helper in the background until the container has started; HELPER, CPID
launch_bg() {
	listen
	"$BIN" "$PLAN" >"$OUT" 2>"$ERR" </dev/null &
	HELPER=$!
	BG+=("$HELPER")
	wait_for 200 grep -qx started "$NOTIFY"
	track_container
}

track_container() {
	CPID=$(sed -n 's/^pid //p' "$NOTIFY" 2>/dev/null | head -n1)
	[ -n "$CPID" ] && CONTAINERS+=("$CPID")
}

notified() { grep -qxF -- "$1" "$NOTIFY"; }
output_is() { [ "$(cat "$OUT")" = "$1" ]; }
output_has() { grep -qF -- "$1" "$OUT"; }

check() { # check DESCRIPTION COMMAND...
	local desc=$1 f
	shift
	if "$@"; then
		echo "PASS $desc"
	else
		echo "FAIL $desc"
		failures=$((failures + 1))
		echo "    rc=${RC:-?}"
		for f in "$OUT" "$ERR" "$NOTIFY"; do
			[ -s "$f" ] && sed "s|^|    ${f##*/}: |" "$f" | head -n 20
		done
	fi
}

# ---------------------------------------------------------------------------------------------
# Setup: helper, rootfs, python helpers

rm -rf "$W"
mkdir -p "$W"
if ! gcc -static -O2 -Wall -Wextra -Werror -o "$BIN" "$SRC" 2>"$W/build.log"; then
	echo "FAIL build"
	cat "$W/build.log"
	exit 1
fi
echo "PASS build (gcc -static -O2 -Wall -Wextra -Werror, no warnings)"

mkdir -p "$R"/{bin,proc,sys,dev,tmp,etc,root}
cp "$BUSYBOX" "$R/bin/busybox"
for t in sh echo cat hostname id true false sleep ls mount chown touch mkdir grep tty wc head \
	readlink pwd stat printf; do
	ln -s busybox "$R/bin/$t"
done
# A symlink that tries to lead a mount out of the rootfs (see the escape test).
mkdir -p "$W/outside"
ln -s ../../../../../../../..$W/outside "$R/escape"
cp -a "$R" "$RU"
chown -R 100000:100000 "$RU"

cat >"$W/notify.py" <<'EOF'
# notify listener: prints every line from the helper; answers REPLY after `pid N` if given.
import os, socket, sys
path, reply = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ""
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path + ".tmp"); s.listen(1); os.rename(path + ".tmp", path)  # connectable once visible
c, _ = s.accept()
for line in c.makefile("rb"):
    sys.stdout.write(line.decode(errors="replace")); sys.stdout.flush()
    if reply and line.startswith(b"pid "):
        c.sendall(reply.encode() + b"\n")
EOF

cat >"$W/console.py" <<'EOF'
# console socket: receives the pty master (SCM_RIGHTS), writes the name it came with and then
# everything read from the master until EIO (all slaves closed) to OUT.
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path + ".tmp"); s.listen(1); os.rename(path + ".tmp", path)
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 4096, 1)
data = b""
while True:
    try:
        chunk = os.read(fds[0], 4096)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
open(out, "wb").write(b"name=" + msg + b"\n" + data.replace(b"\r", b""))
EOF

# BPF: x86_64 only (else kill), mkdir (83) and mkdirat (258) fail with EPERM, the rest allowed.
SECCOMP=$(python3 -c '
import struct
prog = [
    (0x20, 0, 0, 4),           # A = seccomp_data.arch
    (0x15, 0, 5, 0xc000003e),  # A != AUDIT_ARCH_X86_64 -> kill
    (0x20, 0, 0, 0),           # A = seccomp_data.nr
    (0x15, 2, 0, 83),          # mkdir -> errno
    (0x15, 1, 0, 258),         # mkdirat -> errno
    (0x06, 0, 0, 0x7fff0000),  # SECCOMP_RET_ALLOW
    (0x06, 0, 0, 0x00050001),  # SECCOMP_RET_ERRNO | EPERM
    (0x06, 0, 0, 0x80000000),  # SECCOMP_RET_KILL_PROCESS
]
print(b"".join(struct.pack("<HBBI", *i) for i in prog).hex())')

# The same, but mkdir/mkdirat go to a seccomp agent (SECCOMP_RET_USER_NOTIF).
SECCOMP_NOTIFY=$(python3 -c '
import struct
prog = [(0x20, 0, 0, 4), (0x15, 0, 5, 0xc000003e), (0x20, 0, 0, 0), (0x15, 2, 0, 83), (0x15, 1, 0, 258),
        (0x06, 0, 0, 0x7fff0000), (0x06, 0, 0, 0x7fc00000), (0x06, 0, 0, 0x80000000)]
print(b"".join(struct.pack("<HBBI", *i) for i in prog).hex())')

cat >"$W/agent.py" <<'EOF'
# seccomp agent: takes one listener (SCM_RIGHTS) with its message, writes the message to MSGFILE,
# and answers every notified call with ENOMEDIUM until the container is gone.
import fcntl, os, socket, struct, sys
path, msgfile = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path + ".tmp"); s.listen(1); os.rename(path + ".tmp", path)
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 4096, 1)
open(msgfile, "wb").write(msg + b"\n")
RECV, SEND = 0xC0502100, 0xC0182101  # SECCOMP_IOCTL_NOTIF_RECV / _SEND
while True:
    req = bytearray(80)
    try:
        fcntl.ioctl(fds[0], RECV, req)
    except OSError:
        break
    notif_id = struct.unpack_from("<Q", req)[0]
    try:
        fcntl.ioctl(fds[0], SEND, bytearray(struct.pack("<QqiI", notif_id, 0, -123, 0)))  # -ENOMEDIUM
    except OSError:
        pass
EOF

HOST_CAPS=$(sed -n 's/^CapBnd:\t*//p' /proc/self/status)
ALL_CAPS=$(printf '%x' $((16#$HOST_CAPS)))
NO_CHOWN=$(printf '%x' $((16#$HOST_CAPS & ~1)))
NET_BIND=400 # CAP_NET_BIND_SERVICE (10)

# ---------------------------------------------------------------------------------------------
# run mode basics

begin pid1
{ base run; directive args sh -c 'echo $$'; } >"$PLAN"
launch
check "run: sh -c 'echo \$\$' prints 1 (pid 1 of a new pid namespace)" output_is 1
check "run: notify says pid N, created, started, exit 0 in that order" \
	test "$(sed 's/^pid [0-9]*$/pid N/' "$NOTIFY" | tr '\n' ' ')" = "pid N created started exit 0 "
check "run: helper exits 0 with nothing on stderr" test "$RC" = 0 -a ! -s "$ERR"

begin hostname
{ base run; directive hostname box01; directive domainname example.org; directive args sh -c 'hostname; cat /proc/sys/kernel/domainname'; } >"$PLAN"
launch
check "run: hostname and domainname set in the new uts namespace" output_is $'box01\nexample.org'

begin false
{ base run; directive args false; } >"$PLAN"
launch
check "run: false -> helper exit 1 and 'exit 1' on notify" eval 'test "$RC" = 1 && notified "exit 1"'

begin killed
{ base run; directive args sh -c 'kill -9 $$'; } >"$PLAN"
sed -i '/^ns 3:pid$/d' "$PLAN" # a pid namespace's init cannot SIGKILL itself
launch
check "run: container killed by SIGKILL -> exit 137 (128+signal)" eval 'test "$RC" = 137 && notified "exit 137"'

begin argbytes
{ base run; directive args sh -c 'printf "[%s]\n" "$1"' - $'a b\nc:d é'; } >"$PLAN"
launch
check "plan: arguments with spaces, newline, colon and UTF-8 survive the encoding" output_is $'[a b\nc:d é]'

begin env
{ base run; directive env FOO=bar; directive cwd /tmp; directive umask 027; directive args sh -c 'echo "$FOO $HOME $PATH"; pwd; umask'; } >"$PLAN"
launch
check "run: env exactly the plan's (two env lines), cwd, umask" output_is $'bar /root /bin\n/tmp\n0027'

begin rlimit
{ base run; directive rlimit 7 100 200; directive oom-score-adj 500; directive args sh -c 'ulimit -n; ulimit -Hn; cat /proc/self/oom_score_adj'; } >"$PLAN"
launch
check "run: rlimit NOFILE 100/200 and oom-score-adj 500" output_is $'100\n200\n500'

# ---------------------------------------------------------------------------------------------
# filesystem

begin mounts
{ base run; directive args cat /proc/mounts; } >"$PLAN"
launch
check "mounts: proc on /proc" output_has "proc /proc proc rw,nosuid,nodev,noexec"
check "mounts: tmpfs on /dev" output_has "tmpfs /dev tmpfs rw,nosuid"
check "mounts: devpts on /dev/pts" output_has "devpts /dev/pts devpts rw,nosuid,noexec"
check "mounts: shm on /dev/shm" output_has "shm /dev/shm tmpfs rw,nosuid,nodev,noexec"
check "mounts: mqueue on /dev/mqueue" output_has "mqueue /dev/mqueue mqueue rw,nosuid,nodev,noexec"
check "mounts: sysfs on /sys read-only" output_has "sysfs /sys sysfs ro,nosuid,nodev,noexec"
check "mounts: cgroup bind on /sys/fs/cgroup read-only (bind remounted)" output_has " /sys/fs/cgroup tmpfs ro,nosuid,nodev,noexec"
check "mounts: host cgroup hierarchies visible under it (rbind)" output_has " /sys/fs/cgroup/pids cgroup "
check "mounts: masked directory /proc/acpi is a read-only tmpfs" output_has "tmpfs /proc/acpi tmpfs ro"
check "mounts: /proc/sys read-only" grep -qE '^proc /proc/sys proc ro,' "$OUT"
check "mounts: one root mount, none of the host's (old root detached)" \
	eval 'test "$(awk "\$2 == \"/\"" "$OUT" | wc -l)" = 1 && ! grep -q "ptmxmode=000" "$OUT"'

begin devices
{ base run; directive args sh -c 'for d in null zero full random urandom tty; do [ -c /dev/$d ] || echo missing $d; done; stat -c "%t,%T %a" /dev/null /dev/tty; echo x >/dev/null && echo ok; readlink /dev/fd; readlink /dev/ptmx'; } >"$PLAN"
launch
check "devices: null zero full random urandom tty are char devices, 0666" output_is $'1,3 666\n5,0 666\nok\n/proc/self/fd\npts/ptmx'

begin masks
MASKED_FILE=/proc/kcore # not every kernel has it
[ -e "$MASKED_FILE" ] || MASKED_FILE=/proc/timer_list
{ base run; directive args sh -c "wc -c <$MASKED_FILE; ls -A /proc/acpi | wc -l; echo 1 >/proc/sys/vm/overcommit_memory"; } >"$PLAN"
launch
check "mask: $MASKED_FILE reads empty (/dev/null bound over it), /proc/acpi empty" output_is $'0\n0'
check "readonly: writing /proc/sys fails with Read-only file system" grep -q "Read-only file system" "$ERR"

begin rorootfs
{ base run; directive readonly-rootfs; directive args sh -c 'touch /tmp/ok && echo tmp-writable; touch /x'; } >"$PLAN"
launch
check "readonly-rootfs: touch /x fails (EROFS), tmpfs /tmp still writable" \
	eval 'test "$RC" = 1 && output_is tmp-writable && grep -q "Read-only file system" "$ERR"'

begin escape
{ base run; directive mount tmpfs /escape/mnt tmpfs 0 0 ""; directive args sh -c "grep -c ' $W/outside/mnt tmpfs' /proc/mounts"; } >"$PLAN"
launch
check "mounts: a DEST through an escaping symlink stays inside the rootfs" \
	eval 'output_is 1 && test ! -e "$W/outside/mnt"'

begin propagation
{ base run; directive rootfs-propagation $((MS_REC | MS_SHARED)); directive args grep -E '^[0-9]+ [0-9]+ [0-9:]+ [^ ]+ / ' /proc/self/mountinfo; } >"$PLAN"
launch
check "rootfs-propagation rshared: pivot_root works (rootfs mount made private) and / ends up shared" \
	eval 'test "$RC" = 0 && test "$(wc -l <"$OUT")" = 1 && output_has " shared:"'

begin sysctl
HOST_FWD=$(cat /proc/sys/net/ipv4/ip_forward)
{ base run; directive sysctl net.ipv4.ip_forward $((1 - HOST_FWD)); directive args cat /proc/sys/net/ipv4/ip_forward; } >"$PLAN"
launch
check "sysctl: net.ipv4.ip_forward set in the new net namespace only" \
	eval 'output_is $((1 - HOST_FWD)) && test "$(cat /proc/sys/net/ipv4/ip_forward)" = "$HOST_FWD"'

# ---------------------------------------------------------------------------------------------
# cgroups, time namespace

mkdir -p "$CG"
begin cgroup
{ base run; directive cgroup "$CG/cgroup.procs"; directive args sh -c 'grep pids /proc/self/cgroup'; } >"$PLAN"
sed -i '/^ns 6:cgroup$/d' "$PLAN" # without a cgroup namespace the full path shows
launch
check "cgroup: the container starts in the cgroup the plan names" output_has ":pids:/nsexec-smoke"

begin timens
{ base run; directive ns time; directive args readlink /proc/self/ns/time; } >"$PLAN"
launch
check "ns time: runs in a new time namespace" eval 'test "$RC" = 0 && test -s "$OUT" && ! output_is "$(readlink /proc/self/ns/time)"'

# ---------------------------------------------------------------------------------------------
# process: user, capabilities, seccomp

begin caps
{ base run; directive caps "$NO_CHOWN" "$NO_CHOWN" "$NO_CHOWN" 0 0; directive args sh -c 'touch /tmp/f && chown 1 /tmp/f'; } >"$PLAN"
launch
check "caps: without CAP_CHOWN in bounding/effective, chown fails" eval 'test "$RC" = 1 && grep -q "Operation not permitted" "$ERR"'

begin capsok
{ base run; directive caps "$ALL_CAPS" "$ALL_CAPS" "$ALL_CAPS" 0 0; directive args sh -c 'touch /tmp/f && chown 1 /tmp/f && echo chowned'; } >"$PLAN"
launch
check "caps: with CAP_CHOWN, the same chown works" output_is chowned

begin user
{ base run; directive user 1000 1000 10 20; directive caps "$NET_BIND" "$NET_BIND" "$NET_BIND" "$NET_BIND" "$NET_BIND"; directive no-new-privileges
	directive args sh -c 'id; grep -E "^(CapEff|CapBnd|CapAmb|NoNewPrivs)" /proc/self/status'; } >"$PLAN"
launch
check "user: uid/gid/groups 1000/1000/10,20" output_has "uid=1000 gid=1000 groups=10,20"
check "user: ambient CAP_NET_BIND_SERVICE survives exec as non-root (CapEff/CapAmb 0x400)" \
	eval 'output_has "CapEff:	0000000000000400" && output_has "CapAmb:	0000000000000400" && output_has "CapBnd:	0000000000000400"'
check "no-new-privileges set" output_has "NoNewPrivs:	1"

begin seccomp
{ base run; directive seccomp "$SECCOMP"; directive no-new-privileges; directive args sh -c 'mkdir /tmp/d'; } >"$PLAN"
launch
check "seccomp (with no_new_privs): mkdir fails with Operation not permitted" \
	eval 'test "$RC" = 1 && grep -q "Operation not permitted" "$ERR"'

begin seccomp2
{ base run; directive seccomp "$SECCOMP"; directive user 1000 1000; directive args sh -c 'mkdir /tmp/d'; } >"$PLAN"
launch
check "seccomp (without no_new_privs, installed while root): mkdir fails with Operation not permitted" \
	eval 'test "$RC" = 1 && grep -q "Operation not permitted" "$ERR"'

begin seccomp0
{ base run; directive args sh -c 'mkdir /tmp/d && echo made'; } >"$PLAN"
launch
check "seccomp: control without a filter, mkdir works" output_is made

for nnp in 0 1; do
	begin seccomp-notify$nnp
	python3 "$W/agent.py" "$W/agent$nnp.sock" "$W/agent$nnp.msg" &
	BG+=($!)
	wait_for 100 test -S "$W/agent$nnp.sock"
	{ base run; directive seccomp "$SECCOMP_NOTIFY"; [ $nnp = 1 ] && directive no-new-privileges
	  directive seccomp-listener "$W/agent$nnp.sock" '{"ociVersion":"1.0.2","fds":["seccompFd"],"pid":' ',"state":{"pid":' '}}'
	  directive args sh -c 'mkdir /tmp/d 2>&1; touch /tmp/f && echo other-calls-run'; } >"$PLAN"
	launch
	check "seccomp notify (no_new_privs $nnp): the agent answers mkdir (ENOMEDIUM), other calls run" \
		eval 'output_has "No medium found" && output_has other-calls-run'
	check "seccomp notify (no_new_privs $nnp): the agent got the listener and the process state, both pids the container's" \
		eval 'test "$(cat "$W/agent$nnp.msg")" = "{\"ociVersion\":\"1.0.2\",\"fds\":[\"seccompFd\"],\"pid\":$CPID,\"state\":{\"pid\":$CPID}}"'
done

begin seccomp-noagent
{ base run; directive seccomp "$SECCOMP_NOTIFY"; directive seccomp-listener "$W/no-agent.sock" '{' ',' '}'; directive args true; } >"$PLAN"
launch
check "seccomp notify: no agent -> error 'failed to connect with seccomp agent'" \
	eval 'test "$RC" = 1 && grep -q "failed to connect with seccomp agent specified in the seccomp profile" "$NOTIFY"'

# --preserve-fds: the caller's fds 3 and 4, inherited, or fetched from another process
echo preserved >"$W/pf.txt"
begin preserve
{ base run; directive preserve-fds 2; directive args cat /proc/self/fd/4; } >"$PLAN"
exec 4<"$W/pf.txt"
launch
exec 4<&-
check "preserve-fds 2: the caller's fd 4 reaches the process" output_is preserved
echo fetched >"$W/pf2.txt"
sleep 30 4<"$W/pf2.txt" &
HOLDER=$!
BG+=("$HOLDER")
begin preserve-pid
{ base run; directive preserve-fds 2 "$HOLDER"; directive args cat /proc/self/fd/4; } >"$PLAN"
launch
check "preserve-fds 2 PID: fd 4 of process PID, fetched with pidfd_getfd" output_is fetched
kill "$HOLDER"
begin nopreserve
{ base run; directive args sh -c 'test -e /proc/self/fd/4 && echo leaked || echo closed'; } >"$PLAN"
exec 4<"$W/pf.txt"
launch
exec 4<&-
check "without preserve-fds the caller's fd 4 does not reach the process" output_is closed

# ---------------------------------------------------------------------------------------------
# hooks, sync-hooks, detach

cat >"$W/hook.sh" <<EOF
#!/bin/sh
cat >"$W/hook-state.json"
echo "\$1 \$HOOKVAR" >"$W/hook-args"
EOF
chmod +x "$W/hook.sh"
begin hooks
{ base run; directive state '{"ociVersion":"1.0.2","pid":' ',"status":"creating"}'
	directive hook createContainer "$W/hook.sh" 5 2 myhook arg1 1 HOOKVAR=v
	directive hook startContainer /bin/sh 5 3 sh -c 'cat >/tmp/state' 0
	directive args cat /tmp/state; } >"$PLAN"
launch
check "createContainer hook: runs with ARGS/ENVS, reads PREFIX+hostpid+SUFFIX on stdin" \
	eval 'test "$(cat "$W/hook-state.json")" = "{\"ociVersion\":\"1.0.2\",\"pid\":$CPID,\"status\":\"creating\"}" && test "$(cat "$W/hook-args")" = "arg1 v"'
check "startContainer hook: runs inside the container (after pivot_root) before the process" \
	output_is "{\"ociVersion\":\"1.0.2\",\"pid\":$CPID,\"status\":\"creating\"}"

begin hookargv0
{ base run; directive hook createContainer /bin/busybox 5 2 touch "$W/argv0-touched" 0; directive args true; } >"$PLAN"
launch
check "hook args[0] is its argv[0] (busybox picks the applet by it), not its path" \
	eval 'test "$RC" = 0 && test -f "$W/argv0-touched"'

begin hookfail
{ base run; directive hook createContainer /bin/true 5 1 true 0; directive hook createContainer /bin/sh 5 3 sh -c 'echo out; echo err >&2; exit 3' 0; directive args true; } >"$PLAN"
launch
check "createContainer hook #1 exit 3 -> runc's error with the hook's stdout and stderr" \
	eval 'test "$RC" = 1 && notified "error error running hook #1: error running hook: exit status 3, stdout: out , stderr: err "'

begin hookmissing
{ base run; directive hook createContainer "$W/no-such-hook" 5 1 hook 0; directive args true; } >"$PLAN"
launch
check "a hook that cannot be executed -> runc's (Go's) start error" \
	eval 'test "$RC" = 1 && notified "error error running hook #0: fork/exec $W/no-such-hook: no such file or directory"'

begin hooktimeout
{ base run; directive hook createContainer /bin/sleep 1 2 sleep 10 0; directive args true; } >"$PLAN"
launch
check "createContainer hook past its timeout is killed -> error" \
	eval 'test "$RC" = 1 && notified "error error running hook #0: hook ran past specified timeout of 1.0s"'

begin syncgo
{ base run; directive sync-hooks; directive args echo ran; } >"$PLAN"
launch go
check "sync-hooks: 'go' from the runtime lets the container run" eval 'output_is ran && notified "exit 0"'

begin syncabort
{ base run; directive sync-hooks; directive args echo ran; } >"$PLAN"
launch "abort prestart hook failed"
check "sync-hooks: 'abort MSG' kills the child, exit 1, nothing ran" \
	eval 'test "$RC" = 1 && test ! -s "$OUT" && notified "error aborted by the runtime: prestart hook failed" && ! kill -0 "$CPID" 2>/dev/null'

begin sigterm
{ base run; directive args sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done'; } >"$PLAN"
launch_bg
wait_for 100 output_has ready
kill -TERM "$HELPER"
wait "$HELPER"
RC=$?
check "run: SIGTERM sent to the helper is forwarded to the container (its trap runs, exit 7)" \
	eval 'test "$RC" = 7 && output_has got-term && notified "exit 7"'

begin detach
{ base run; directive detach; directive args sleep 2; } >"$PLAN"
start=$(date +%s%N)
launch
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
check "detach: helper exits 0 right after 'started' (${elapsed_ms} ms) while the container runs" \
	eval 'test "$RC" = 0 && notified started && ! grep -q "^exit" "$NOTIFY" && test "$elapsed_ms" -lt 1500 && kill -0 "$CPID"'
kill -9 "$CPID" 2>/dev/null

# ---------------------------------------------------------------------------------------------
# create mode

begin create
mkfifo "$W/exec.fifo"
{ base create; directive fifo "$W/exec.fifo"; directive args echo hello-from-create; } >"$PLAN"
launch
check "create: helper exits 0 after pid, created (no started); notify sees EOF" \
	eval 'test "$RC" = 0 && test "$LISTENER_EOF" = yes && test "$(sed "s/^pid [0-9]*$/pid N/" "$NOTIFY" | tr "\n" " ")" = "pid N created "'
sleep 0.2
check "create: the process waits on the fifo without running the program" eval 'kill -0 "$CPID" && test ! -s "$OUT"'
FIFO_BYTE=$(timeout 5 cat "$W/exec.fifo")
wait_for 100 output_is hello-from-create
check "create: opening the fifo (start) reads '0' and lets the program run" \
	eval 'test "$FIFO_BYTE" = 0 && output_is hello-from-create'

# ---------------------------------------------------------------------------------------------
# exec mode

begin execbase
{ base run; directive hostname box02; directive cgroup "$CG/cgroup.procs"; directive args sleep 30; } >"$PLAN"
launch_bg
BASE_PID=$CPID BASE_HELPER=$HELPER BASE_NOTIFY=$NOTIFY
begin exec
{ directive mode exec; directive notify "$SOCK"; directive cgroup "$CG/cgroup.procs"
	join_ns "$BASE_PID" pid mount uts ipc net cgroup
	directive env PATH=/bin; directive args sh -c 'hostname; echo $$; cat /proc/1/comm'; } >"$PLAN"
launch
check "exec: joins the running container (its hostname, its pid 1 is sleep, \$\$ is not 1)" \
	eval 'test "$(sed -n 1p "$OUT")" = box02 && test "$(sed -n 2p "$OUT")" -gt 1 && test "$(sed -n 3p "$OUT")" = sleep'
check "exec: notify says pid, created, started, exit 0" \
	test "$(sed 's/^pid [0-9]*$/pid N/' "$NOTIFY" | tr '\n' ' ')" = "pid N created started exit 0 "

begin exectty
{ directive mode exec; directive notify "$SOCK"; join_ns "$BASE_PID" pid mount uts ipc net cgroup
	directive terminal 24 80; directive env PATH=/bin; directive args tty; } >"$PLAN"
launch
check "exec with terminal: a pty of the container's devpts, relayed by the helper" \
	eval 'test "$RC" = 0 && test "$(tr -d "\r" <"$OUT")" = /dev/pts/0'

begin execdetach
{ directive mode exec; directive notify "$SOCK"; join_ns "$BASE_PID" pid mount uts ipc net cgroup
	directive detach; directive env PATH=/bin; directive args sleep 5; } >"$PLAN"
launch
check "exec with detach: helper exits 0 after started, the process keeps running" \
	eval 'test "$RC" = 0 && notified started && ! grep -q "^exit" "$NOTIFY" && kill -0 "$CPID"'
kill -9 "$BASE_PID"
wait "$BASE_HELPER"
RC=$?
check "run: container killed from outside -> helper exit 137 and 'exit 137'" \
	eval 'test "$RC" = 137 && grep -qx "exit 137" "$BASE_NOTIFY"'

# ---------------------------------------------------------------------------------------------
# user namespace

begin userns
{ base run "$RU"; userns; directive hostname ubox; directive args sh -c 'id; cat /proc/self/uid_map; [ -c /dev/null ] && echo x >/dev/null && echo null-ok; grep -c " /proc/sys proc ro," /proc/mounts'; } >"$PLAN"
launch
check "userns: uidmap 0 100000 65536, id shows uid=0 gid=0" output_has "uid=0 gid=0"
check "userns: uid_map as planned" eval 'grep -qE "^ +0 +100000 +65536$" "$OUT"'
check "userns: devices bind-mounted from the host when mknod is refused" output_has null-ok
check "userns: read-only /proc/sys despite locked mount flags" eval 'test "$(tail -n1 "$OUT")" = 1'

# A bind source the mapped root cannot reach (in a 0700 directory of the host's root): the parent
# clones it with open_tree before the clone, the child attaches it.
mkdir -p "$W/secret/dir" && echo secret >"$W/secret/dir/f" && chmod 700 "$W/secret"
begin userns-bind
{ base run "$RU"; userns; directive mount "$W/secret/dir" /mnt bind $MS_BIND 0 ""; directive args cat /mnt/f; } >"$PLAN"
launch
check "userns: a bind source in a 0700 directory of the host's root is mounted (open_tree clone)" output_is secret

begin userbase
{ base run "$RU"; userns; directive hostname ubox; directive args sleep 30; } >"$PLAN"
launch_bg
UBASE_PID=$CPID
begin userexec
{ directive mode exec; directive notify "$SOCK"
	join_ns "$UBASE_PID" user pid mount uts ipc net cgroup
	directive env PATH=/bin; directive args sh -c 'hostname; id'; } >"$PLAN"
launch
check "exec into a user-namespaced container (user ns joined first): ubox, uid=0" \
	eval 'output_has ubox && output_has "uid=0 gid=0"'
kill -9 "$UBASE_PID"

# ---------------------------------------------------------------------------------------------
# terminal

begin console
python3 "$W/console.py" "$W/tty.sock" "$W/console.out" &
CONSOLE=$!
BG+=("$CONSOLE")
wait_for 100 test -S "$W/tty.sock"
{ base run; directive terminal 30 100; directive console-socket "$W/tty.sock"; directive args sh -c 'tty; stty size 2>/dev/null || echo'; } >"$PLAN"
ln -sf busybox "$R/bin/stty"
launch
wait "$CONSOLE"
check "terminal + console-socket: master arrives by SCM_RIGHTS, tty prints /dev/pts/0" \
	eval 'test "$RC" = 0 && grep -qx "name=/dev/pts/0" "$W/console.out" && grep -qx /dev/pts/0 "$W/console.out"'
check "terminal: window size 30x100" grep -qx "30 100" "$W/console.out"

begin relay
{ base run; directive terminal 24 80; directive args sh -c 'tty; echo relayed'; } >"$PLAN"
launch
check "terminal without console-socket: helper relays the pty to its stdout" \
	eval 'test "$RC" = 0 && test "$(tr -d "\r" <"$OUT")" = "$(printf "/dev/pts/0\nrelayed")"'

# ---------------------------------------------------------------------------------------------
# errors

begin norootfs
{ base run /nonexistent/rootfs; directive args true; } >"$PLAN"
launch
check "error: missing rootfs -> exit 1, 'error rootfs /nonexistent/rootfs: No such file or directory'" \
	eval 'test "$RC" = 1 && notified "error rootfs /nonexistent/rootfs: No such file or directory"'
check "error: with notify connected nothing goes to stderr" test ! -s "$ERR"

begin nosuch
{ base run; directive args nosuch; } >"$PLAN"
launch
check "error: exec of a missing binary -> exit 1, 'error exec: \"nosuch\": executable file not found in \$PATH' before created" \
	eval 'test "$RC" = 1 && notified "error exec: \"nosuch\": executable file not found in \$PATH" && ! notified created'

begin badmount
{ base run; directive mount none /mnt nosuchfs 0 0 ""; directive args true; } >"$PLAN"
launch
check "error: failing mount names source, destination and errno" \
	eval 'test "$RC" = 1 && notified "error mount none on /mnt: No such device"'

begin badcgroup
{ base run; directive cgroup /sys/fs/cgroup/pids/nope/cgroup.procs; directive args true; } >"$PLAN"
launch
check "error: missing cgroup names the path and errno" \
	eval 'test "$RC" = 1 && notified "error write /sys/fs/cgroup/pids/nope/cgroup.procs: No such file or directory"'

begin malformed
{ directive mode run; directive notify "$SOCK"; printf 'mount 4:proc 5:/proc\n'; directive args true; } >"$PLAN"
launch
check "error: malformed plan line -> exit 1, error names line 3 and the keyword (on notify)" \
	eval 'test "$RC" = 1 && notified "error plan line 3: mount: expected 6 arguments, got 2" && test ! -s "$ERR"'

begin badlen
{ directive mode run; printf 'args 3:true\n'; } >"$PLAN"
launch
check "error: bad argument length without notify -> stderr 'dockyard-nsexec: plan line 2: ...'" \
	eval 'test "$RC" = 1 && grep -qx "dockyard-nsexec: plan line 2: args: argument of 3 bytes is followed by neither a space nor a newline" "$ERR"'

begin unknown
{ directive mode run; directive notify "$SOCK"; directive frobnicate x; } >"$PLAN"
launch
check "error: unknown directive" eval 'test "$RC" = 1 && notified "error plan line 3: unknown directive \"frobnicate\""'

begin bigarg
{ base run; directive args echo "$(head -c 65537 /dev/zero | tr '\0' x)"; } >"$PLAN"
launch
check "error: an argument over 64 KiB is refused" eval 'test "$RC" = 1 && grep -q "argument longer than 65536 bytes" "$NOTIFY"'

begin bigplan
{ base run; for i in $(seq 20); do directive env "X$i=$(head -c 60000 /dev/zero | tr '\0' y)"; done; directive args true; } >"$PLAN"
launch
check "error: a plan over 1 MiB is refused" eval 'test "$RC" = 1 && grep -q "larger than 1048576 bytes" "$ERR"'

# ---------------------------------------------------------------------------------------------

if [ "$failures" -eq 0 ]; then
	echo "ALL PASSED"
	exit 0
fi
echo "$failures FAILED"
exit 1
