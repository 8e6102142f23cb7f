#!/usr/bin/env bash
# 9P read/write MiB/s through the real Linux kernel client (v9fs, cache=none): Debian's kernel under
# qemu TCG via ../shared/harness/kernel9p/run-9p-guest.sh, two VM runs in one go:
#   1. Dockyard's DataKit (9p2000.u): dd SIZE_MB MiB into a transaction's rw/, commit, dd it back
#      from the branch's ro/
#   2. anchor: diod serving a plain directory (9p2000.L): the same dd write and read
# Each VM measures at msize=BIG_MSIZE (the harness mount; the server may grant less) and at
# msize=65536 (a second mount), ROUNDS rounds each, best round kept. TCG emulation makes the guest
# the bottleneck, so the absolute MiB/s are low and say little; the ratio dockyard/diod is the result.
# usage: bench/kernel9p-throughput.sh [SIZE_MB]       (default 24)
# env:   BIG_MSIZE (default 1048576), ROUNDS (default 2), KERNEL9P_HARNESS, BENCH_BUILD=0, KEEP=1 (keep logs),
#        CAPTURE=1: tcpdump the loopback during the dockyard VM and print bench/p9-server-latency.py's
#        split of each bulk request's time into the server's share and the guest's
#        BENCH_SMOKE=1: the same two VM runs at 1 MiB, one round, with CAPTURE=1 (bench/smoke, CI)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
SMOKE=${BENCH_SMOKE:-0}
if [ "$SMOKE" = 1 ]; then SIZE_MB=${1:-1} ROUNDS=${ROUNDS:-1} CAPTURE=${CAPTURE:-1}; fi
SIZE_MB=${1:-${SIZE_MB:-24}}
BIG_MSIZE=${BIG_MSIZE:-1048576}
ROUNDS=${ROUNDS:-2}
CAPTURE=${CAPTURE:-0}
HARNESS=${KERNEL9P_HARNESS:-$ROOT/../shared/harness/kernel9p/run-9p-guest.sh}
[ -r "$HARNESS" ] || { echo "bench: no harness at $HARNESS" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "bench: qemu-system-x86_64 is not installed" >&2; exit 1; }
command -v diod >/dev/null || { echo "bench: diod is not installed (apt-get install diod)" >&2; exit 1; }
[ "$CAPTURE" = 0 ] || command -v tcpdump >/dev/null || { echo "bench: CAPTURE=1 needs tcpdump" >&2; exit 1; }
. bench/lib.sh

WORK=$(mktemp -d /tmp/bench9p.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "bench: logs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 150); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "bench: port $1 never opened" >&2; exit 1; }

# Dockyard: DataKitServer in its own JVM on a fresh repository
DK_PORT=$(free_port)
"$JAVA_HOME/bin/java" -cp "$BENCH_CP" dockyard.datakit.DataKitServer --git "$WORK/git" \
  --listen "tcp://127.0.0.1:$DK_PORT" > "$WORK/datakit.log" 2>&1 &
PIDS+=($!)
# diod: a plain directory, no auth; the kernel attaches as uname=root to aname=the export
DIOD_PORT=$(free_port)
mkdir -p "$WORK/export"
diod -f -n -e "$WORK/export" -l "127.0.0.1:$DIOD_PORT" -L "$WORK/diod.log" &
PIDS+=($!)
wait_port "$DK_PORT"; wait_port "$DIOD_PORT"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime, in clock ticks
vm() { # NAME PORT VERSION MODE EXTRA_OPTS SERVER_PID
  local opts="cache=none$5" c0
  c0=$(cpu_ticks "$6")
  if ! bash "$HARNESS" -t 400 -v "$3" -o "$opts,msize=$BIG_MSIZE" -l "$WORK/$1.console" \
      -e "MODE=$4" -e "SIZE_MB=$SIZE_MB" -e "ROUNDS=$ROUNDS" -e "MSIZE2=65536" -e "OPTS2=$opts" \
      "$2" "$ROOT/bench/kernel9p-guest.sh" > "$WORK/$1.out" 2>&1; then
    echo "bench: the $1 VM run failed:" >&2; cat "$WORK/$1.out" >&2
    grep -a '@@\|9p\|Oops\|BUG' "$WORK/$1.console" | tail -30 >&2
    KEEP=1; exit 1
  fi
  grep -a '^@@BENCH ' "$WORK/$1.console" | tr -d '\r' > "$WORK/$1.bench"
  awk -v a="$c0" -v b="$(cpu_ticks "$6")" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (b - a) / hz }' > "$WORK/$1.cpu"
  echo "bench: $1 VM: $(grep -o 'wall=[0-9.]*s' "$WORK/$1.out")" >&2
}
echo "bench: VM 1/2, dockyard datakit (9p2000.u), ${SIZE_MB} MiB x ${ROUNDS} rounds x 2 mounts" >&2
TCPDUMP=
if [ "$CAPTURE" = 1 ]; then   # headers only (-s 96): bench/p9-server-latency.py reads times and lengths
  tcpdump -i lo -n -tt -s 96 -l "tcp port $DK_PORT" > "$WORK/capture.txt" 2> "$WORK/tcpdump.log" & TCPDUMP=$!
  PIDS+=("$TCPDUMP")
  for _ in $(seq 50); do grep -q 'listening on' "$WORK/tcpdump.log" 2>/dev/null && break; sleep 0.1; done
  kill -0 "$TCPDUMP" 2>/dev/null || { echo "bench: tcpdump failed (CAPTURE=1 needs root): $(cat "$WORK/tcpdump.log")" >&2; exit 1; }
fi
vm datakit "$DK_PORT" 9p2000.u datakit "" "${PIDS[0]}"
if [ -n "$TCPDUMP" ]; then kill -INT "$TCPDUMP"; wait "$TCPDUMP" 2>/dev/null || true; fi
echo "bench: VM 2/2, diod (9p2000.L)" >&2
vm diod "$DIOD_PORT" 9p2000.L plain ",uname=root,access=any,aname=$WORK/export" "${PIDS[1]}"

# the commits are real: each round's commit left the file in git
GITSIZE=$(git --git-dir "$WORK/git" cat-file -s refs/heads/bench:big)
[ "$GITSIZE" = $((SIZE_MB * 1048576)) ] || { echo "bench: git has big of $GITSIZE bytes, not $((SIZE_MB * 1048576))" >&2; exit 1; }
NCOMMITS=$(git --git-dir "$WORK/git" rev-list --count refs/heads/bench)

# anchor for the commit column: git storing a file of the same size and structure as a loose object
head -c 1048576 /dev/urandom > "$WORK/chunk"; for _ in $(seq "$SIZE_MB"); do cat "$WORK/chunk"; done > "$WORK/src"
git init -q --bare "$WORK/hx"
T0=$EPOCHREALTIME; git --git-dir "$WORK/hx" -c core.fsync=loose-object -c core.fsyncMethod=fsync hash-object -w "$WORK/src" > /dev/null; T1=$EPOCHREALTIME
GIT_HASH_S=$(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.2f", b - a }')
rm -f "$WORK/src" "$WORK/chunk"

get() { sed -n "s/.*mount=$2 .*$3=\([0-9.]*\).*/\1/p" "$WORK/$1.bench"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
row() { printf '%-48s %8s %12s %12s %10s\n' "$@"; }
echo
echo "9P throughput through the Linux v9fs client (Debian 6.1 kernel, qemu TCG, cache=none), ${SIZE_MB} MiB file, best of ${ROUNDS}"
row "server (dialect), mount" "msize" "write MiB/s" "read MiB/s" "commit s"
for m in main second; do
  row "diod plain directory (9p2000.L), $m [anchor]" "$(get diod $m msize)" "$(get diod $m write_mibs)" "$(get diod $m read_mibs)" "-"
done
for m in main second; do
  row "dockyard datakit (9p2000.u), $m" "$(get datakit $m msize)" "$(get datakit $m write_mibs)" "$(get datakit $m read_mibs)" "$(get datakit $m commit_s)"
done
row "git hash-object -w, same file, on the host" "" "" "" "$GIT_HASH_S"
echo
row "ratio dockyard / diod (MiB/s)" "" "write" "read" ""
for m in main second; do
  row "  $m: dockyard msize $(get datakit $m msize) / diod $(get diod $m msize)" "" \
    "$(ratio "$(get datakit $m write_mibs)" "$(get diod $m write_mibs)")" "$(ratio "$(get datakit $m read_mibs)" "$(get diod $m read_mibs)")" ""
done
row "commit time dockyard (main) / git hash-object -w" "" "" "" "$(ratio "$(get datakit main commit_s)" "$GIT_HASH_S")"
echo
echo "msize: what the kernel negotiated (/proc/mounts); main asked for $BIG_MSIZE (diod grants at most 65536), second for 65536."
echo "write: dd into rw/ of a transaction (dockyard) or into a plain file (diod); read: dd of the committed file"
echo "from ro/ (dockyard) or of the plain file; commit: echo commit > ctl (blob deflated into a loose object, fsync,"
echo "ref moved), its anchor git hash-object -w with fsync on the host; for the commit time ratio lower is better."
echo "The guest runs under qemu TCG (no KVM): absolute MiB/s are dominated by the emulated guest and"
echo "its emulated NIC, not by the servers; only the ratios dockyard/diod carry meaning."
MOVED=$((2 * (2 * ROUNDS + 1) * SIZE_MB))   # both mounts: each round writes and reads the file, the first also reads it for cmp
echo "server CPU during its whole VM run (boot, mounts, all rounds; the JVM's JIT included):"
echo "  diod $(cat "$WORK/diod.cpu") s, dockyard $(cat "$WORK/datakit.cpu") s (ratio $(ratio "$(cat "$WORK/datakit.cpu")" "$(cat "$WORK/diod.cpu")")); each moved $MOVED MiB"
echo "check: git has refs/heads/bench:big of $GITSIZE bytes after $NCOMMITS commits"
if [ "$CAPTURE" = 1 ]; then
  echo "server's and guest's share of each bulk (>= 60000 byte) 9P request of the dockyard VM run (bench/p9-server-latency.py):"
  python3 bench/p9-server-latency.py "$WORK/capture.txt" "$DK_PORT" > "$WORK/latency.txt" ||
    { echo "bench: p9-server-latency.py failed" >&2; exit 1; }
  [ -s "$WORK/latency.txt" ] || { echo "bench: p9-server-latency.py found no bulk request in $(wc -l < "$WORK/capture.txt") captured lines" >&2; KEEP=1; exit 1; }
  sed 's/^/  /' "$WORK/latency.txt"
fi
