#!/usr/bin/env bash
# 9P read/write MiB/s through the real Linux kernel client (Debian's kernel under qemu TCG, via
# ../shared/harness/kernel9p): Dockyard's DataKit (9p2000.u) against diod serving a plain
# directory (9p2000.L) in the same run. TCG emulation makes the guest the bottleneck, so the
# absolute numbers are low; the ratio is the result.   usage: bench/kernel9p-throughput.sh [SIZE_MB]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HARNESS=${KERNEL9P_HARNESS:-$ROOT/../shared/harness/kernel9p/run-9p-guest.sh}
SIZE_MB=${1:-64}
BIG_MSIZE=${BIG_MSIZE:-524288}
[ -x "$HARNESS" ] || [ -r "$HARNESS" ] || { echo "no harness at $HARNESS" >&2; exit 1; }
command -v diod >/dev/null || { echo "diod is not installed (apt-get install diod)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/bench9p.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$WORK"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

"$ROOT/bin/dockyard" --version >/dev/null   # builds on first use
DK_PORT=$(free_port)
"$ROOT/bin/dockyard" datakit serve --git "$WORK/git" --listen "tcp://127.0.0.1:$DK_PORT" > "$WORK/dk.log" 2>&1 &
PIDS+=($!)
DIOD_PORT=$(free_port)
mkdir -p "$WORK/export"
diod -f -n -e "$WORK/export" -l "127.0.0.1:$DIOD_PORT" -L stderr > "$WORK/diod.log" 2>&1 &
PIDS+=($!)
wait_port "$DK_PORT"; wait_port "$DIOD_PORT"

run() { # NAME PORT VERSION OPTS MODE
  bash "$HARNESS" -t 300 -v "$3" -o "cache=none$4" -e "MODE=$5" -e "SIZE_MB=$SIZE_MB" \
    -l "$WORK/$1.console" "$2" "$ROOT/bench/kernel9p-guest.sh" > "$WORK/$1.out" 2>&1 || { cat "$WORK/$1.out" "$WORK/$1.console" >&2; exit 1; }
  sed -n 's/.*@@BENCH //p' "$WORK/$1.console" | tr -d '\r'
}
# diod caps msize at 64 KiB, so the comparison runs both at 65536; Dockyard also at a larger msize.
DK=$(run datakit "$DK_PORT" 9p2000.u ",msize=65536" datakit)
DKB=$(run datakit-big "$DK_PORT" 9p2000.u ",msize=$BIG_MSIZE" datakit)
# diod maps the attach to a user: name root (the kernel's default uname is nobody)
DI=$(run diod "$DIOD_PORT" 9p2000.L ",msize=65536,uname=root,access=any,aname=$WORK/export" plain)
get() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
row() { printf '%-36s %12s %12s\n' "$@"; }
row "kernel v9fs, ${SIZE_MB} MiB file, cache=none" "write MiB/s" "read MiB/s"
row "diod anchor (9p2000.L, msize 64K)" "$(get "$DI" write_mibs)" "$(get "$DI" read_mibs)"
row "dockyard datakit (9p2000.u, 64K)" "$(get "$DK" write_mibs)" "$(get "$DK" read_mibs)"
row "dockyard datakit (9p2000.u, $((BIG_MSIZE / 1024))K)" "$(get "$DKB" write_mibs)" "$(get "$DKB" read_mibs)"
row "ratio dockyard/diod (64K)" "$(ratio "$(get "$DK" write_mibs)" "$(get "$DI" write_mibs)")" "$(ratio "$(get "$DK" read_mibs)" "$(get "$DI" read_mibs)")"
row "ratio dockyard $((BIG_MSIZE / 1024))K/diod" "$(ratio "$(get "$DKB" write_mibs)" "$(get "$DI" write_mibs)")" "$(ratio "$(get "$DKB" read_mibs)" "$(get "$DI" read_mibs)")"
echo "(guest under qemu TCG: absolute numbers are the emulated guest's; the ratios are the result)"
