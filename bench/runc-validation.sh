#!/usr/bin/env bash
# OCI conformance: the validation programs of opencontainers/runtime-tools (v0.9.0, 58 programs)
# against several OCI runtimes in the same run (see bench/README.md):
#   for each runtime, every validation/*/*.t with RUNTIME=<runtime>, one at a time, each under a
#   timeout; prints a program x runtime matrix (ok/not ok, or why it produced no TAP) and a table
#   per runtime: programs, ok, not ok, skipped, and how many programs passed, failed, or gave no results.
# usage: bench/runc-validation.sh [RUNTIME | LABEL=RUNTIME]...
#        default: runc crun bin/dockyard-runc (a missing runtime is reported and skipped)
# env:   RUNTIME_TOOLS_GIT   git dir of runtime-tools (/work/.mirror/opencontainers+runtime-tools/repo)
#        RUNTIME_TOOLS_REF   tag or commit to build (v0.9.0; newer tags need Go >= 1.21)
#        TESTS               only these programs, e.g. "default create state"
#        TEST_TIMEOUT        seconds per program (120)
#        LOG_DIR             where TAP, stderr and failures go (~/.cache/dockyard/runc-validation/<time>)
#        UNSHARE_UNIFIED     runtime basenames run in a private mount namespace with the cgroup v2
#                            mount of a hybrid layout unmounted ("crun"; crun refuses hybrid cgroups)
#        DOCKYARD_CACHE      build cache (~/.cache/dockyard); the programs go to $DOCKYARD_CACHE/runtime-tools
#        BENCH_SMOKE=1       bench/smoke, CI: TESTS "default state" (default), 60 s each, and only
#                            runtimetest and those programs built; without the runtime-tools sources a
#                            SMOKE-SKIP line says so
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
CACHE=${DOCKYARD_CACHE:-$HOME/.cache/dockyard}
REF=${RUNTIME_TOOLS_REF:-v0.9.0}
GITDIR=${RUNTIME_TOOLS_GIT:-/work/.mirror/opencontainers+runtime-tools/repo}
[ -d "$GITDIR/.git" ] && GITDIR=$GITDIR/.git
SMOKE=${BENCH_SMOKE:-0}
[ "$SMOKE" = 1 ] && TESTS=${TESTS:-default state} TEST_TIMEOUT=${TEST_TIMEOUT:-60}
TIMEOUT=${TEST_TIMEOUT:-120}
UNSHARE_UNIFIED=${UNSHARE_UNIFIED:-crun}
LOG=${LOG_DIR:-$CACHE/runc-validation/$(date +%Y%m%d-%H%M%S)}

die() { echo "runc-validation: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (the runtimes create namespaces and cgroups)"
for c in git go make tar timeout unshare; do command -v $c >/dev/null || die "$c is not installed"; done
if [ "$SMOKE" = 1 ] && ! git --git-dir="$GITDIR" rev-parse --verify -q "$REF^{commit}" >/dev/null 2>&1; then
  echo "SMOKE-SKIP runc-validation.sh: the whole run: the programs are runtime-tools' own and this machine has no runtime-tools $REF sources (no git dir at $GITDIR; set RUNTIME_TOOLS_GIT)"
  exit 0
fi

# --- build runtimetest and the validation programs (only when the ref's commit changed) ---------
COMMIT=$(git --git-dir="$GITDIR" rev-parse --verify -q "$REF^{commit}") ||
  die "no $REF in $GITDIR (set RUNTIME_TOOLS_GIT to a clone of opencontainers/runtime-tools)"
BUILD=$CACHE/runtime-tools/$REF
SRC=$BUILD/gopath/src/github.com/opencontainers/runtime-tools
if [ "$(cat "$BUILD/.built" 2>/dev/null)" != "$COMMIT" ]; then
  # a full run builds every program (.built); a smoke run only runtimetest and its own programs
  targets=(runtimetest validation-executables)
  if [ "$SMOKE" = 1 ]; then targets=(runtimetest); for n in $TESTS; do targets+=("validation/$n/$n.t"); done; fi
  echo "runc-validation: building runtime-tools $REF (${COMMIT:0:12}) in $BUILD: ${targets[*]}" >&2
  if [ "$(cat "$BUILD/.source" 2>/dev/null)" != "$COMMIT" ]; then
    rm -rf "$BUILD" && mkdir -p "$SRC" || die "cannot create $BUILD"
    git --git-dir="$GITDIR" archive "$COMMIT" | tar -x -C "$SRC" || die "git archive $REF failed"
    echo "$COMMIT" >"$BUILD/.source"
  fi
  # v0.9.0 predates go.mod: GOPATH mode with its vendor/; later tags: module mode, vendor/ only
  if [ -f "$SRC/go.mod" ]; then mode=(GO111MODULE=on GOFLAGS=-mod=vendor); else mode=(GO111MODULE=off GOFLAGS=); fi
  (cd "$SRC" && env "${mode[@]}" GOPATH="$BUILD/gopath" GOPROXY=off GOCACHE="$BUILD/gocache" \
     make -j2 "${targets[@]}" COMMIT="$COMMIT") >"$BUILD/build.log" 2>&1 ||
    { tail -20 "$BUILD/build.log" >&2; die "build failed, see $BUILD/build.log"; }
  [ "$SMOKE" = 1 ] || echo "$COMMIT" >"$BUILD/.built"
fi
cd "$SRC"
PROGRAMS=()
for t in validation/*/*.go; do
  n=$(basename "$t" .go)
  [ "$t" = "validation/$n/$n.go" ] || continue   # the programs (validation/util is a package)
  if [ -n "${TESTS:-}" ] && [[ " $TESTS " != *" $n "* ]]; then continue; fi
  [ -x "validation/$n/$n.t" ] || die "validation/$n/$n.t was not built (see $BUILD/build.log)"
  PROGRAMS+=("$n")
done
[ ${#PROGRAMS[@]} -gt 0 ] || die "no validation programs selected (TESTS='${TESTS:-}')"

# --- runtimes ------------------------------------------------------------------------------------
[ $# -gt 0 ] || set -- runc crun "$REPO/bin/dockyard-runc"
hybrid=0
[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = tmpfs ] && mountpoint -q /sys/fs/cgroup/unified && hybrid=1
LABELS=() PATHS=() WRAPS=()
for a in "$@"; do
  if [[ "$a" == *=* ]]; then label=${a%%=*} p=${a#*=}; else label=$(basename "$a") p=$a; fi
  [[ " ${LABELS[*]-} " == *" $label "* ]] && label="$label#${#LABELS[@]}"
  if [[ "$p" == */* ]]; then [ -x "$p" ] && p=$(cd "$(dirname "$p")" && pwd)/$(basename "$p") || p=
  else p=$(command -v "$p" || true); fi
  wrap=0
  [ $hybrid = 1 ] && [[ " $UNSHARE_UNIFIED " == *" $(basename "${p:-$label}") "* ]] && wrap=1
  LABELS+=("$label") PATHS+=("$p") WRAPS+=("$wrap")
done

# run a command, in a private mount namespace without the cgroup v2 mount when $1 is 1
in_ns() {
  local w=$1; shift
  if [ "$w" = 1 ]; then unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec "$@"' sh "$@"; else "$@"; fi
}
container_ids() { in_ns "$2" "$1" list -q 2>/dev/null || in_ns "$2" "$1" list 2>/dev/null | awk 'NR > 1 { print $1 }'; }

# TAP counts of one program: "ok skip notok plan"; plan sums the plan lines (some programs print two
# TAP streams, e.g. linux_cgroups_cpus), -1 when there is none
tap_counts() {
  awk 'BEGIN { ok = 0; skip = 0; nok = 0; plan = -1 }
       /^ok / { if ($0 ~ /# [Ss][Kk][Ii][Pp]/) skip++; else ok++ }
       /^not ok / { nok++ }
       /^1\.\.[0-9]+/ { sub(/^1\.\./, ""); plan = (plan < 0 ? 0 : plan) + $0 }
       END { print ok, skip, nok, plan }' "$1"
}

# the cgroups the programs use (runtime-tools' cgroups.AbsCgroupPath and RelCgroupPath): a runtime's
# leftovers (limits included) must not meet the next runtime; only empty ones go (rmdir)
clean_cgroups() {
  local c
  for c in /sys/fs/cgroup/*/cgrouptest /sys/fs/cgroup/*/testdir /sys/fs/cgroup/*/*/testdir; do
    [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  true
}
mkdir -p "$LOG" || die "cannot create $LOG"
echo "runc-validation: runtime-tools $REF, ${#PROGRAMS[@]} programs, timeout ${TIMEOUT}s each, logs in $LOG" >&2
declare -A CELL
SUMMARY=()
for i in "${!LABELS[@]}"; do
  label=${LABELS[$i]} rt=${PATHS[$i]} w=${WRAPS[$i]}
  if [ -z "$rt" ]; then
    SUMMARY+=("$(printf '%-16s %s' "$label" "not found, skipped")")
    for n in "${PROGRAMS[@]}"; do CELL[$n,$i]="-"; done
    continue
  fi
  d=$LOG/$(echo "$label" | tr -c 'A-Za-z0-9._\n-' _)
  mkdir -p "$d" && : >"$d/failures.txt" && : >"$d/programs.txt"
  echo "runc-validation: $label = $rt$([ "$w" = 1 ] && echo ' (private mount ns, cgroup v2 unmounted)')" >&2
  clean_cgroups
  # (untimed, so also where bin/dockyard builds the project first when its sources changed)
  before=$(container_ids "$rt" "$w" | sort)
  tot_ok=0 tot_skip=0 tot_nok=0 pass=0 fail=0 broken=0 t0=$SECONDS
  for n in "${PROGRAMS[@]}"; do
    tmp=$(mktemp -d /tmp/runc-validation.XXXXXX) && chmod 1777 "$tmp"   # user-namespace tests need o+x
    s0=$(date +%s.%N)
    RUNTIME=$rt TMPDIR=$tmp in_ns "$w" timeout -k 10 "$TIMEOUT" "validation/$n/$n.t" >"$d/$n.tap" 2>"$d/$n.err" </dev/null
    rc=$?
    secs=$(awk -v a="$s0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
    # containers the program left behind (failed tests often do): kill and delete them
    for id in $(comm -13 <(echo "$before") <(container_ids "$rt" "$w" | sort)); do
      in_ns "$w" "$rt" kill "$id" KILL >/dev/null 2>&1
      in_ns "$w" "$rt" delete -f "$id" >/dev/null 2>&1 || in_ns "$w" "$rt" delete "$id" >/dev/null 2>&1
      echo "left container $id behind, deleted" >>"$d/$n.err"
    done
    # mounts that propagated out of a container into this namespace (rootfsPropagation shared/rshared)
    leaked=$(findmnt -rn -o TARGET | grep -c "^$tmp/")
    if [ "$leaked" -gt 0 ]; then
      findmnt -rn -o TARGET | grep "^$tmp/" | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
      echo "$leaked mounts under the bundle leaked into the caller's mount namespace, unmounted" >>"$d/$n.err"
    fi
    rm -rf --one-file-system "$tmp" 2>/dev/null
    read -r ok skip nok plan < <(tap_counts "$d/$n.tap")
    tot_ok=$((tot_ok + ok)) tot_skip=$((tot_skip + skip)) tot_nok=$((tot_nok + nok))
    if [ $rc = 124 ] || [ $rc = 137 ]; then status=TIMEOUT
    elif [ $((ok + skip + nok)) = 0 ]; then
      if [ $rc != 0 ]; then status=ERROR; else status=EMPTY; fi   # create failed / plan 1..0
    elif [ $nok -gt 0 ] || [ $rc != 0 ] || { [ "$plan" -ge 0 ] && [ "$plan" != $((ok + skip + nok)) ]; }; then
      status=FAIL
    else status=PASS; fi
    case $status in
      PASS) pass=$((pass + 1)) ;;
      FAIL) fail=$((fail + 1)) ;;
      *) broken=$((broken + 1)) ;;
    esac
    printf '%-32s %-8s ok %4d  skip %3d  not-ok %3d  plan %4d  rc %3d  %6.2fs\n' "$n" $status $ok $skip $nok $plan $rc "$secs" >>"$d/programs.txt"
    case $status in
      PASS|FAIL) cell="$ok/$nok"
        [ $rc != 0 ] && cell="$cell rc$rc"
        [ "$plan" -ge 0 ] && [ "$plan" != $((ok + skip + nok)) ] && cell="$cell plan$plan"
        CELL[$n,$i]=$cell ;;
      *) CELL[$n,$i]=$status ;;
    esac
    if [ $status != PASS ]; then
      { echo "=== $n: $status (rc $rc, ok $ok, skip $skip, not ok $nok, plan $plan)"
        awk '/^not ok / { p = 1; print; next } /^(ok |1\.\.)/ { p = 0 } p' "$d/$n.tap"
        [ $((ok + skip + nok)) = 0 ] && grep -v '^TAP version' "$d/$n.tap" | head -20
        [ -s "$d/$n.err" ] && { echo "--- stderr (tail)"; tail -8 "$d/$n.err"; }
        echo; } >>"$d/failures.txt"
    fi
  done
  SUMMARY+=("$(printf '%-16s %8d %6d %7d %8d %5d %5d %6d %6ds' "$label" ${#PROGRAMS[@]} $tot_ok $tot_nok $tot_skip \
    $pass $fail $broken $((SECONDS - t0)))")
done

clean_cgroups

# --- report --------------------------------------------------------------------------------------
{
  printf '%-32s' program; for l in "${LABELS[@]}"; do printf ' %14s' "$l"; done; echo
  for n in "${PROGRAMS[@]}"; do
    printf '%-32s' "$n"; for i in "${!LABELS[@]}"; do printf ' %14s' "${CELL[$n,$i]}"; done; echo
  done
  echo
  echo "cells: ok/not-ok (ok excludes skips), 'rcN' the program exited N after its results (a check outside"
  echo "TAP failed), 'planN' it planned N results; ERROR: exited non-zero with no results (usually create failed);"
  echo "EMPTY: exited 0 with no results (plan 1..0, the lifecycle or setup failed); TIMEOUT: killed after ${TIMEOUT}s"
  echo
  printf '%-16s %8s %6s %7s %8s %5s %5s %6s %7s\n' runtime programs ok "not ok" skipped pass fail error time
  printf '%s\n' "${SUMMARY[@]}"
  echo
  echo "ok + skipped = TAP 'ok' lines; programs: pass = every result ok and exit 0, fail = some not ok or a"
  echo "non-zero exit after results, error = ERROR/EMPTY/TIMEOUT (no results)"
  echo "per program: $LOG/<runtime>/programs.txt, failures: $LOG/<runtime>/failures.txt, TAP: $LOG/<runtime>/<program>.tap"
} | tee "$LOG/report.txt"
