#!/bin/sh
# DataKit's sample CI, as a shell script over a 9P mount of DataKit.
# Follows BRANCH's head.live; for each new head it copies the snapshot's tree, runs the build in the
# copy and commits the result to the status branch as COMMIT/status (pass|fail), COMMIT/log and
# COMMIT/branch, one transaction per build.
#   usage: ci.sh MOUNT [BRANCH]
#   CI_BUILD   build command, run by sh in the copy (default: sh build.sh)
#   CI_STATUS  status branch (default: ci-status)      CI_WORK  scratch dir (default: /tmp/ci-work)
#   CI_MAX     stop after this many builds (default 0: follow the branch forever)
set -u
MNT=${1:?usage: ci.sh MOUNT [BRANCH]}
BRANCH=${2:-master}
BUILD=${CI_BUILD:-sh build.sh}
STATUS=${CI_STATUS:-ci-status}
WORK=${CI_WORK:-/tmp/ci-work}
MAX=${CI_MAX:-0}
B=$MNT/branch

[ -d "$B/$STATUS" ] || mkdir "$B/$STATUS" || exit 1
# record COMMIT RESULT LOG: one transaction on the status branch
record() {
  tx=$B/$STATUS/transactions/ci-$1
  mkdir "$tx" && mkdir -p "$tx/rw/$1" || return 1
  echo "$2" > "$tx/rw/$1/status"
  cat "$3" > "$tx/rw/$1/log"
  echo "$BRANCH" > "$tx/rw/$1/branch"
  echo "ci: $2 for $BRANCH $1" > "$tx/msg"
  echo commit > "$tx/ctl"
}
built=0
# head.live prints the current head, then each new one (heads replaced while we build are skipped)
while read -r head; do
  [ -n "$head" ] || continue                               # the branch has no commit yet
  [ -e "$B/$STATUS/ro/$head/status" ] && continue          # built before (e.g. by an earlier run)
  dir=$WORK/$head
  rm -rf "$dir" && mkdir -p "$dir" && cp -R "$MNT/snapshots/$head/ro/." "$dir/" && chmod -R u+w "$dir"
  echo "ci: building $BRANCH $head"
  if (cd "$dir" && sh -c "$BUILD") < /dev/null > "$dir.log" 2>&1; then result=pass; else result=fail; fi
  if record "$head" "$result" "$dir.log"; then echo "ci: $head $result"; else echo "ci: cannot record $head" >&2; fi
  rm -rf "$dir" "$dir.log"
  built=$((built + 1))
  [ "$MAX" -gt 0 ] && [ "$built" -ge "$MAX" ] && break
done < "$B/$BRANCH/head.live"
