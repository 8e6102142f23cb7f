#!/usr/bin/env bash
# Compatibility, not speed: moby/datakit's own Go client (api/go-datakit) runs its test suite
# (TestInit, TestConfig, TestChangeDefaults, TestSnapshot, TestTransaction) against a fresh
# `dockyard datakit` server on an ephemeral loopback port; prints one PASS/FAIL line per test and
# "N passed, M failed". The client is built offline in a scratch directory (removed afterwards)
# with the system's Go (apt-get install golang-go) from the local git mirrors of moby/datakit,
# docker/go-p9p and golang/net under $DOCKYARD_MIRROR (default /work/.mirror); only the suite's
# dial_test.go, which dials the fixed socket /var/tmp/foo, is replaced by one that takes the
# address from the environment. The same run is the JUnit test datakit GoDataKitClientTest.
# usage: bench/datakit-go-compat.sh [-v]     (-v: the suite's whole output)
# exit:  0 all passed, 1 some failed, 2 cannot run here (says what is missing)
# env:   BENCH_SMOKE=1 (bench/smoke, CI): the same full run (~30 s); where the mirrors or Go are
#        missing, a SMOKE-SKIP line says which and the script exits 0
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. bench/lib.sh
exec "$JAVA_HOME/bin/java" -cp "$BENCH_CP" dockyard.datakit.GoDataKitSuite "$@"
