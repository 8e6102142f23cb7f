#!/usr/bin/env bash
# runc's own integration suite (bats, tests/integration of a runc tag, v1.1.5 by default) against one
# or more runc-compatible runtimes (RUNC=<runtime> as the suite expects; see bench/README.md).
# Each .bats file runs on its own under a timeout; prints per file and per runtime: tests, ok,
# not ok, skipped. The suite is runc's: other runtimes fail tests on runc-only output and flags.
# usage: bench/runc-bats.sh [RUNTIME | LABEL=RUNTIME]...   (default: runc)
# env:   RUNC_GIT          git dir of runc (/work/.mirror/opencontainers+runc/repo)
#        RUNC_REF          tag whose tests run (v1.1.5, the version of Debian 12's runc)
#        FILES             only these .bats files, e.g. "create start_hello exec"
#        FILE_TIMEOUT      seconds per .bats file (300)
#        UNSHARE_NET       1 (default): run bats in a new network namespace (unshare -n)
#        UNSHARE_UNIFIED   runtime basenames run with the cgroup v2 mount of a hybrid layout
#                          unmounted in a private mount namespace ("crun")
#        LOG_DIR           TAP output per file (~/.cache/dockyard/runc-bats/<time>)
#        BENCH_SMOKE=1     bench/smoke, CI: FILES "version start_hello" (default), runtimes runc and
#                          bin/dockyard-runc (default), 120 s per file, and runc's Go helpers (recvtty,
#                          sd-helper, seccompagent: a minute of building) left unbuilt, as those files
#                          do not use them; without the runc sources a SMOKE-SKIP line says so
# needs: bats (>= 1.2.1; Debian's bats), gawk, jq, xz, busybox-static; go and libseccomp-dev for the helpers
# The images the suite downloads are made locally instead: busybox = busybox-static and its applets;
# the Debian image (hooks.bats only) is the same busybox rootfs, so hooks.bats fails.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
CACHE=${DOCKYARD_CACHE:-$HOME/.cache/dockyard}
REF=${RUNC_REF:-v1.1.5}
GITDIR=${RUNC_GIT:-/work/.mirror/opencontainers+runc/repo}
[ -d "$GITDIR/.git" ] && GITDIR=$GITDIR/.git
SMOKE=${BENCH_SMOKE:-0}
if [ "$SMOKE" = 1 ]; then
  FILES=${FILES:-version start_hello} FILE_TIMEOUT=${FILE_TIMEOUT:-120}
  [ $# -gt 0 ] || set -- runc "$PWD/bin/dockyard-runc"
fi
TIMEOUT=${FILE_TIMEOUT:-300}
UNSHARE_UNIFIED=${UNSHARE_UNIFIED:-crun}
LOG=${LOG_DIR:-$CACHE/runc-bats/$(date +%Y%m%d-%H%M%S)}

die() { echo "runc-bats: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"
for c in git bats gawk jq xz tar timeout unshare script; do command -v $c >/dev/null || die "$c is not installed"; done
[ "$SMOKE" = 1 ] || command -v go >/dev/null || die "go is not installed (golang-go)"
BUSYBOX=$(command -v busybox) || die "busybox is not installed (busybox-static)"
if [ "$SMOKE" = 1 ] && ! git --git-dir="$GITDIR" rev-parse --verify -q "$REF^{commit}" >/dev/null 2>&1; then
  echo "SMOKE-SKIP runc-bats.sh: the whole run: the suite is runc's own and this machine has no runc $REF sources (no git dir at $GITDIR; set RUNC_GIT)"
  exit 0
fi

# --- sources, helper binaries and images (only when the ref's commit changed) ---------------------
COMMIT=$(git --git-dir="$GITDIR" rev-parse --verify -q "$REF^{commit}") || die "no $REF in $GITDIR (set RUNC_GIT)"
BUILD=$CACHE/runc-bats/src-$REF
STAMP="$COMMIT image-2"   # image-N: bump when the image below changes, so cached builds are redone
if [ "$(cat "$BUILD/.built" 2>/dev/null)" != "$STAMP" ]; then
  echo "runc-bats: preparing runc $REF (${COMMIT:0:12}) in $BUILD" >&2
  rm -rf "$BUILD" && mkdir -p "$BUILD" || die "cannot create $BUILD"
  git --git-dir="$GITDIR" archive "$COMMIT" | tar -x -C "$BUILD" || die "git archive $REF failed"
  # the busybox image: busybox-static, a link per applet, and the files the tests expect; no /proc
  # or /sys, as in the image the suite downloads (mask.bats makes them symlinks; runtimes create
  # mount points)
  img=$(mktemp -d) && chmod 755 "$img"
  mkdir -p "$img"/{bin,etc,dev,tmp,root,home,var,run,usr/bin,lib} && chmod 1777 "$img/tmp"
  cp "$BUSYBOX" "$img/bin/busybox"
  for a in $("$BUSYBOX" --list); do [ "$a" = busybox ] || ln -sf busybox "$img/bin/$a"; done
  printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >"$img/etc/passwd"
  printf 'root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n' >"$img/etc/group"
  arch=$(dpkg --print-architecture 2>/dev/null || go env GOARCH)
  tar -C "$img" -cJf "$BUILD/tests/integration/testdata/busybox-$arch.tar.xz" . &&
    cp "$BUILD/tests/integration/testdata/busybox-$arch.tar.xz" "$BUILD/tests/integration/testdata/debian-$arch.tar.xz" ||
    die "cannot make the images"
  rm -rf "$img"
  echo "$STAMP" >"$BUILD/.built"
fi
# runc's Go helper programs (a minute of building; the smoke run's files need none of them)
if [ "$SMOKE" != 1 ] && [ "$(cat "$BUILD/.helpers" 2>/dev/null)" != "$COMMIT" ]; then
  for h in recvtty sd-helper seccompagent; do
    tags=; [ $h = seccompagent ] && tags=seccomp
    (cd "$BUILD" && GOFLAGS=-mod=vendor GOPROXY=off GOCACHE="$CACHE/runc-bats/gocache" \
       go build -tags "$tags" -o "contrib/cmd/$h/$h" "./contrib/cmd/$h") >>"$BUILD/build.log" 2>&1 ||
      echo "runc-bats: $h did not build (see $BUILD/build.log); the tests that need it fail" >&2
  done
  echo "$COMMIT" >"$BUILD/.helpers"
fi
cd "$BUILD/tests/integration"
FILESEL=()
for f in *.bats; do
  n=${f%.bats}
  if [ -n "${FILES:-}" ] && [[ " $FILES " != *" $n "* ]]; then continue; fi
  FILESEL+=("$n")
done
[ ${#FILESEL[@]} -gt 0 ] || die "no .bats files selected (FILES='${FILES:-}')"

[ $# -gt 0 ] || set -- runc
hybrid=0
[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = tmpfs ] && mountpoint -q /sys/fs/cgroup/unified && hybrid=1
mkdir -p "$LOG" || die "cannot create $LOG"
echo "runc-bats: runc $REF tests/integration, ${#FILESEL[@]} files, timeout ${TIMEOUT}s each, logs in $LOG" >&2
SUMMARY=() HEAD=()
declare -A CELL
i=0
for a in "$@"; do
  if [[ "$a" == *=* ]]; then label=${a%%=*} p=${a#*=}; else label=$(basename "$a") p=$a; fi
  if [[ "$p" == */* ]]; then [ -x "$p" ] && p=$(cd "$(dirname "$p")" && pwd)/$(basename "$p") || p=
  else p=$(command -v "$p" || true); fi
  HEAD+=("$label")
  if [ -z "$p" ]; then SUMMARY+=("$(printf '%-16s %s' "$label" "not found, skipped")"); i=$((i + 1)); continue; fi
  pre=()
  [ "${UNSHARE_NET:-1}" = 1 ] && pre+=(unshare -n)
  [ $hybrid = 1 ] && [[ " $UNSHARE_UNIFIED " == *" $(basename "$p") "* ]] &&
    pre+=(unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec "$@"' sh)
  d=$LOG/$(echo "$label" | tr -c 'A-Za-z0-9._\n-' _)
  mkdir -p "$d"
  echo "runc-bats: $label = $p" >&2
  "$p" --version >/dev/null 2>&1 </dev/null   # outside the timeouts: bin/dockyard builds first when sources changed
  T=0 OK=0 NOK=0 SKIP=0 t0=$SECONDS
  for n in "${FILESEL[@]}"; do
    tmp=$(mktemp -d /tmp/runc-bats.XXXXXX) && chmod 755 "$tmp"
    # under script(1): most tests run containers with a terminal, which needs a controlling tty
    RUNC=$p TMPDIR=$tmp timeout -k 10 "$TIMEOUT" "${pre[@]}" \
      script -qec "bats --tap $(printf %q "$n.bats") >$(printf %q "$d/$n.tap") 2>&1" /dev/null </dev/null >/dev/null 2>&1
    rc=$?
    # a test cut off by the timeout skips its teardown: delete what it left (states live under $tmp)
    for st in $(find "$tmp" -maxdepth 5 -type d -name state 2>/dev/null); do
      for id in $("${pre[@]}" "$p" --root "$st" list -q 2>/dev/null); do
        "${pre[@]}" "$p" --root "$st" delete -f "$id" >/dev/null 2>&1 && echo "# left container $id, deleted" >>"$d/$n.tap"
      done
    done
    rm -rf --one-file-system "$tmp" 2>/dev/null
    read -r ok skip nok plan < <(awk 'BEGIN { plan = 0 } /^ok / { if ($0 ~ / # skip/) s++; else o++ }
      /^not ok / { n++ } /^1\.\.[0-9]+$/ { sub(/^1\.\./, ""); plan = $0 + 0 } END { print o + 0, s + 0, n + 0, plan }' "$d/$n.tap")
    [ $rc = 124 ] || [ $rc = 137 ] && nok=$((nok + plan - ok - skip - nok))   # the tests a timeout cut off fail
    T=$((T + plan)) OK=$((OK + ok)) NOK=$((NOK + nok)) SKIP=$((SKIP + skip))
    CELL[$n,$i]="$ok/$nok/$skip$([ $rc = 124 ] || [ $rc = 137 ] && echo ' T')"
    grep -q '^not ok' "$d/$n.tap" && { echo "=== $n"; grep '^not ok' "$d/$n.tap"; } >>"$d/failures.txt"
  done
  # cgroups the suite leaves (update.bats' pod cgroup); only empty ones go (rmdir)
  for c in /sys/fs/cgroup/*/runc-cgroups-integration-test /sys/fs/cgroup/runc-cgroups-integration-test; do
    [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  SUMMARY+=("$(printf '%-16s %6d %6d %6d %7d %8d %6ds' "$label" ${#FILESEL[@]} $T $OK $NOK $SKIP $((SECONDS - t0)))")
  i=$((i + 1))
done

{
  printf '%-28s' file; for l in "${HEAD[@]}"; do printf ' %14s' "$l"; done; echo
  for n in "${FILESEL[@]}"; do
    printf '%-28s' "$n"; for j in "${!HEAD[@]}"; do printf ' %14s' "${CELL[$n,$j]:--}"; done; echo
  done
  echo
  echo "cells: ok/not ok/skipped; T = the file hit the ${TIMEOUT}s timeout (the tests it did not reach count as not ok)"
  echo
  printf '%-16s %6s %6s %6s %7s %8s %7s\n' runtime files tests ok "not ok" skipped time
  printf '%s\n' "${SUMMARY[@]}"
  echo
  echo "TAP per file: $LOG/<runtime>/<file>.tap, failing tests: $LOG/<runtime>/failures.txt"
} | tee "$LOG/report.txt"
