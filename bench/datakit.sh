#!/usr/bin/env bash
# DataKit over 9P on loopback against command-line git in the same run (see bench/README.md):
#   a. commits/s, 1 and 8 writers (one connection each, one small file per transaction, one branch),
#      fsync on and off; anchors: git plumbing (hash-object, mktree, commit-tree, update-ref) with
#      and without fsync, and git fast-import
#   b. p50/p99 of the ctl commit write, and of commit -> a blocked head.live reader seeing the new
#      head (goal: under 5 ms); the steps of a transaction and one bare 9P round trip
#   c. the server JVM's peak RSS, live heap and CPU
# usage: bench/datakit.sh [--seconds S] [--warmup S] [--server-warmup S] [--samples N] [--writers N] [--fast-import N]
# env:   BENCH_BUILD=0 skips the build check; SERVER_JVM_ARGS adds JVM options to the server process
#        (e.g. "-XX:StartFlightRecording=filename=/tmp/dk.jfr,settings=profile");
#        BENCH_SMOKE=1: the same runs at tiny sizes (bench/smoke, CI): 0.5 s per rate, no warm-up,
#        20 samples, 2 writers, 200 fast-import commits (arguments given still win)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. bench/lib.sh
command -v git >/dev/null || { echo "bench: git is not installed" >&2; exit 1; }
SMOKE=()
[ "${BENCH_SMOKE:-0}" = 1 ] && SMOKE=(--seconds 0.5 --warmup 0 --server-warmup 0 --samples 20 --writers 2 --fast-import 200)
exec "$JAVA_HOME/bin/java" -cp "$BENCH_CP" -Dbench.serverJvmArgs="${SERVER_JVM_ARGS:-}" dockyard.datakit.bench.DataKitBench "${SMOKE[@]}" "$@"
