#!/usr/bin/env bash
# DataKit commits/s (1 and 8 writers) and commit/watch latency over 9P on loopback, against
# command-line git making the same commits in the same run.  usage: bench/datakit.sh [SECONDS]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bin/jdk.sh"
cd "$ROOT"
./mvnw -q -B -DskipTests package >&2
exec "$JAVA_HOME/bin/java" -Dbench.seconds="${1:-4}" -cp "datakit/target/test-classes:cli/target/lib/*" dockyard.datakit.bench.CommitBench
