#!/usr/bin/env bash
# Container start-to-exit time: `<runtime> run` of a busybox-static bundle running /bin/true, timed
# with hyperfine for runc, crun and bin/dockyard-runc in the same run (see bench/README.md).
#   host mount namespace: runc, dockyard-runc (when it runs the bundle), crun behind the hybrid-cgroup
#   wrapper (unshare -m + umount of the cgroup v2 mount; crun refuses a hybrid layout) and that
#   wrapper alone (exec true instead of crun);
#   one private mount namespace with the v2 mount unmounted (only on a hybrid layout): crun with no
#   wrapper, and runc again there for comparison.
#   bin/dockyard-runc three ways: "no set-up" (the default: no daemon runs when the row starts, the
#   first warm-up verb starts the resident runtime on its own socket, the rest are served by it),
#   "JVM per verb" (DOCKYARD_RUNC_DAEMON=off) and "daemon" (started beforehand by hand); and
#   "no set-up, cold" (--cold-runs runs, each with the daemon stopped first: the first verb's cost).
#   Prints mean, sd, median and min ms of each and the ratio of the means to runc and to crun (timed
#   directly, else with the wrapper).
# usage: bench/runc-run.sh [--runs N (30)] [--warmup N (3)] [--cold-runs N (5)] [--keep]
# env:   RUNC, CRUN, DOCKYARD_RUNC: the runtimes (runc, crun, bin/dockyard-runc; one that is not
#        there is left out)
#        BENCH_SMOKE=1: the same rows with 2 runs each and no warm-up (bench/smoke, CI)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS=30 WARMUP=3 COLD_RUNS=5 KEEP=0
[ "${BENCH_SMOKE:-0}" = 1 ] && RUNS=2 WARMUP=0 COLD_RUNS=1
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --cold-runs) COLD_RUNS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "usage: bench/runc-run.sh [--runs N] [--warmup N] [--cold-runs N] [--keep]" >&2; exit 2 ;;
  esac
done
die() { echo "runc-run: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"
for c in hyperfine jq unshare; do command -v $c >/dev/null || die "$c is not installed"; done
BUSYBOX=$(command -v busybox) || die "busybox is not installed (busybox-static)"
file -L "$BUSYBOX" 2>/dev/null | grep 'statically linked' >/dev/null || ldd "$BUSYBOX" 2>&1 | grep 'not a dynamic' >/dev/null ||
  die "$BUSYBOX is not static (install busybox-static)"
RUNC=$(command -v "${RUNC:-runc}" || true)
CRUN=$(command -v "${CRUN:-crun}" || true)
DOCKYARD=${DOCKYARD_RUNC:-$PWD/bin/dockyard-runc}
[ -n "$RUNC" ] || die "runc is not installed (it is the anchor)"

T=$(mktemp -d /tmp/runc-run.XXXXXX)
chmod 755 "$T"
cleanup() {
  local rt root id
  for rt in "$RUNC:runc" "$CRUN:crun" "$DOCKYARD:dockyard"; do
    root=$T/root-${rt##*:}; rt=${rt%:*}
    [ -n "$rt" ] && [ -d "$root" ] || continue
    # whatever a failed run left behind in this bench's own state directories
    for id in $(ls "$root" 2>/dev/null); do
      [ -e "$root/$id" ] || continue
      if [ "${rt##*/}" = crun ] && [ $HYBRID = 1 ]; then
        unshare -m sh -c 'umount /sys/fs/cgroup/unified; exec "$@"' sh "$rt" --root "$root" delete -f "$id" >/dev/null 2>&1 || true
      else
        "$rt" --root "$root" delete -f "$id" >/dev/null 2>&1 || true
      fi
    done
    [ -z "$(ls "$root" 2>/dev/null)" ] || echo "runc-run: containers left in $root: $(ls "$root" | tr '\n' ' ')" >&2
  done
  [ -n "${DAEMON_PID:-}" ] && kill "$DAEMON_PID" 2>/dev/null
  stop_auto "$T/auto/runc.sock"; stop_auto "$T/cold/runc.sock"
  [ -s "$T/plan.bench" ] && sed -n 's/^cgroup [0-9]*:\(.*\)\/cgroup.procs$/\1/p' "$T/plan.bench" | xargs -r rmdir 2>/dev/null
  if [ $KEEP = 1 ]; then echo "runc-run: kept $T" >&2; else rm -rf --one-file-system "$T"; fi
}
HYBRID=0
[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = tmpfs ] && mountpoint -q /sys/fs/cgroup/unified && HYBRID=1
# the daemons bin/dockyard-runc started on its own: their pids are in the socket's log
stop_auto() {
  local pid
  [ -f "$1.log" ] || return 0
  for pid in $(sed -n 's/.*listening on .* (pid \([0-9]*\).*/\1/p' "$1.log"); do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 200); do [ -S "$1" ] || break; sleep 0.01; done
}
trap cleanup EXIT

# --- the bundle: `runc spec`, args /bin/true, no terminal; rootfs = busybox-static + its applets ---
B=$T/bundle
mkdir -p "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/sys" "$B/rootfs/dev" "$B/rootfs/tmp" "$B/rootfs/etc"
cp "$BUSYBOX" "$B/rootfs/bin/busybox"
for a in $("$BUSYBOX" --list); do [ "$a" = busybox ] || ln -sf busybox "$B/rootfs/bin/$a"; done
(cd "$B" && "$RUNC" spec)
jq '.process.args = ["/bin/true"] | .process.terminal = false' "$B/config.json" >"$B/config.json.new"
mv "$B/config.json.new" "$B/config.json"
mkdir -p "$T/root-runc" "$T/root-crun" "$T/root-dockyard"

# hyperfine runs each command without a shell (-N: nothing to subtract); `run` in the foreground deletes
# its container when /bin/true exits, and each command's --prepare (not timed) deletes a leftover of a
# failed run first, so the fixed id per runtime is free at every run
WRAP="unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec \"\$@\"' sh"
NAMES=() CMDS=() PREPS=()
add() { NAMES+=("$1"); CMDS+=("$2"); PREPS+=("sh -c '$3 >/dev/null 2>&1; true'"); }
add runc "$RUNC --root $T/root-runc run -b $B bench-runc" "$RUNC --root $T/root-runc delete -f bench-runc"
if [ -n "$CRUN" ]; then
  if [ $HYBRID = 1 ]; then
    add "crun+wrapper" "$WRAP $CRUN --root $T/root-crun run -b $B bench-crun" \
      "unshare -m sh -c \"umount /sys/fs/cgroup/unified; $CRUN --root $T/root-crun delete -f bench-crun\""
    add "wrapper alone" "$WRAP true" true
  else
    add crun "$CRUN --root $T/root-crun run -b $B bench-crun" "$CRUN --root $T/root-crun delete -f bench-crun"
  fi
fi
if [ -x "$DOCKYARD" ]; then
  # a first run outside the timing (bin/dockyard builds the project when its sources changed)
  if DOCKYARD_RUNC_DAEMON=off timeout 300 "$DOCKYARD" --root "$T/root-dockyard" run -b "$B" bench-dockyard </dev/null >"$T/dockyard-check.log" 2>&1; then
    # the default: nothing started beforehand (the first warm-up verb starts the daemon)
    add "dockyard-runc (no set-up)" "env DOCKYARD_RUNC_DAEMON=$T/auto/runc.sock $DOCKYARD --root $T/root-dockyard run -b $B bench-dockyard" \
      "env DOCKYARD_RUNC_DAEMON=$T/auto/runc.sock $DOCKYARD --root $T/root-dockyard delete -f bench-dockyard"
    add "dockyard-runc (JVM per verb)" "env DOCKYARD_RUNC_DAEMON=off $DOCKYARD --root $T/root-dockyard run -b $B bench-dockyard" \
      "env DOCKYARD_RUNC_DAEMON=off $DOCKYARD --root $T/root-dockyard delete -f bench-dockyard"
  else
    echo "runc-run: $DOCKYARD does not run the bundle (exit $?), left out:" >&2
    tail -5 "$T/dockyard-check.log" >&2
    [ "${BENCH_SMOKE:-0}" = 1 ] && die "a smoke run must run our side"
  fi
else
  echo "runc-run: $DOCKYARD is not there, left out" >&2
  [ "${BENCH_SMOKE:-0}" = 1 ] && die "a smoke run must run our side"
fi
if [ -x "$DOCKYARD" ] && [ ${#NAMES[@]} -gt 0 ] && [ "${NAMES[-1]}" = "dockyard-runc (JVM per verb)" ]; then
  # the resident daemon: bin/dockyard-runc hands each verb to it through the helper's client mode
  DSOCK=$T/daemon.sock
  "$(dirname "$DOCKYARD")/dockyard" runc daemon --socket "$DSOCK" >"$T/daemon.log" 2>&1 &
  DAEMON_PID=$!
  for _ in $(seq 100); do [ -S "$DSOCK" ] && break; sleep 0.1; done
  add "dockyard-runc (daemon)" "env DOCKYARD_RUNC_DAEMON=$DSOCK $DOCKYARD --root $T/root-dockyard run -b $B bench-dockyard" \
    "env DOCKYARD_RUNC_DAEMON=$DSOCK $DOCKYARD --root $T/root-dockyard delete -f bench-dockyard"
  # the C helper alone on the plan the runtime made for this bundle (cgroup directories made here,
  # no notify socket): what the Java side costs on top of it is the difference
  rm -f "$T/plan"
  DOCKYARD_RUNC_KEEP_PLAN=$T/plan DOCKYARD_RUNC_DAEMON=off "$DOCKYARD" --root "$T/root-dockyard" run -b "$B" bench-plan </dev/null >/dev/null 2>&1 || true
  HELPER=$(dirname "$DOCKYARD")/../runc/target/classes/dockyard/runc/native/dockyard-nsexec
  if [ -s "$T/plan" ] && [ -x "$HELPER" ]; then
    grep -v '^notify ' "$T/plan" >"$T/plan.bench"
    sed -n 's/^cgroup [0-9]*:\(.*\)\/cgroup.procs$/\1/p' "$T/plan.bench" | xargs -r mkdir -p
    for c in $(sed -n 's/^cgroup [0-9]*:\(.*cpuset.*\)\/cgroup.procs$/\1/p' "$T/plan.bench"); do
      cat /sys/fs/cgroup/cpuset/cpuset.cpus >"$c/cpuset.cpus"; cat /sys/fs/cgroup/cpuset/cpuset.mems >"$c/cpuset.mems"
    done
    add "dockyard-nsexec (plan only)" "$HELPER $T/plan.bench" true
  fi
fi
HF=(hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --style basic)

echo "runc-run: bundle $B (busybox-static, /bin/true), $RUNS runs after $WARMUP warm-up runs each" >&2
cmdargs=(); for i in "${!NAMES[@]}"; do cmdargs+=(-n "${NAMES[$i]}" --prepare "${PREPS[$i]}" "${CMDS[$i]}"); done
"${HF[@]}" --export-json "$T/host.json" "${cmdargs[@]}" >&2
JSONS=("$T/host.json")
if [ "$COLD_RUNS" -gt 0 ] && [[ " ${NAMES[*]} " == *" dockyard-runc (no set-up) "* ]]; then
  # the first verb's cost: each run starts with no daemon (the previous one stopped by --prepare)
  echo "runc-run: no set-up, cold: $COLD_RUNS runs, each starting the daemon" >&2
  C=$T/cold/runc.sock
  { declare -f stop_auto; echo "stop_auto $C"
    echo "env DOCKYARD_RUNC_DAEMON=off $DOCKYARD --root $T/root-dockyard delete -f bench-dockyard >/dev/null 2>&1; true"; } >"$T/cold-prepare.sh"
  hyperfine -N --runs "$COLD_RUNS" --style basic --export-json "$T/cold.json" -n "dockyard-runc (no set-up, cold)" \
    --prepare "bash $T/cold-prepare.sh" \
    "env DOCKYARD_RUNC_DAEMON=$C $DOCKYARD --root $T/root-dockyard run -b $B bench-dockyard" >&2
  JSONS+=("$T/cold.json")
fi
if [ $HYBRID = 1 ] && [ -n "$CRUN" ]; then
  echo "runc-run: inside one private mount namespace without /sys/fs/cgroup/unified" >&2
  unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec "$@"' sh "${HF[@]}" --export-json "$T/ns.json" \
    -n "crun (in ns)" --prepare "sh -c '$CRUN --root $T/root-crun delete -f bench-crun >/dev/null 2>&1; true'" \
    "$CRUN --root $T/root-crun run -b $B bench-crun" \
    -n "runc (in ns)" --prepare "sh -c '$RUNC --root $T/root-runc delete -f bench-runc >/dev/null 2>&1; true'" \
    "$RUNC --root $T/root-runc run -b $B bench-runc" >&2
fi

# --- report ----------------------------------------------------------------------------------------
jq -s -r '
  [.[].results[]] as $r
  | ($r | map(select(.command == "runc"))[0].mean) as $runc
  | (($r | map(select(.command == "crun (in ns)" or .command == "crun"))[0].mean)
     // ($r | map(select(.command == "crun+wrapper"))[0].mean)) as $crun
  | def f(x): if x == null then "-" else (x * 100 | round / 100 | tostring) end;
    def ms(x): if x == null then "-" else f(x * 1000) end;   # one run has no sd
    ["runtime", "mean ms", "sd ms", "median ms", "min ms", "x runc", "x crun"],
    ($r[] | [.command, ms(.mean), ms(.stddev), ms(.median), ms(.min),
             f(.mean / $runc), (if $crun then f(.mean / $crun) else "-" end)])
  | @tsv' "${JSONS[@]}" $( [ -f "$T/ns.json" ] && echo "$T/ns.json") | column -t -s $'\t'
if [ $HYBRID = 1 ] && [ -n "$CRUN" ]; then
  echo
  echo "hybrid cgroups: 'crun+wrapper' = unshare -m + umount of the v2 mount + crun; 'wrapper alone' = the"
  echo "same with true; 'x crun' is relative to 'crun (in ns)', timed inside one such namespace (no wrapper)"
fi
