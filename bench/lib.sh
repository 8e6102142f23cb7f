# Sourced by the bench scripts (cwd = repository root): finds JDK 25, builds what the benches run
# (./mvnw package -DskipTests, only when a source or pom is newer than the last build) and sets
# BENCH_CP, the class path of p9 + datakit (main and test classes) + JGit and slf4j-nop.
# BENCH_BUILD=0 skips the build check (use what is in target/).
. bin/jdk.sh
BENCH_MARK=datakit/target/test-classes/dockyard/datakit/bench/DataKitBench.class
BENCH_CPFILE=cli/target/bench.classpath   # third-party jars, from the cli module (it has slf4j-nop)
bench_mvnw() { ./mvnw -q -B -o "$@" || ./mvnw -q -B "$@"; }   # offline first, then with the network
if [ "${BENCH_BUILD:-1}" != 0 ]; then
  if [ ! -f "$BENCH_MARK" ] || [ -n "$(find pom.xml */pom.xml p9/src datakit/src -newer "$BENCH_MARK" -type f | head -1)" ]; then
    echo "bench: building (./mvnw -pl datakit -am package -DskipTests)" >&2
    bench_mvnw -pl datakit -am package -DskipTests >&2
    touch "$BENCH_MARK"
  fi
  if [ ! -s "$BENCH_CPFILE" ] || [ -n "$(find pom.xml */pom.xml -newer "$BENCH_CPFILE" | head -1)" ]; then
    bench_mvnw -pl cli -am dependency:build-classpath -DexcludeGroupIds=dockyard -Dmdep.includeScope=runtime \
      -Dmdep.outputFile=target/bench.classpath >&2
  fi
fi
[ -f "$BENCH_MARK" ] && [ -s "$BENCH_CPFILE" ] || { echo "bench: not built ($BENCH_MARK, $BENCH_CPFILE); run without BENCH_BUILD=0" >&2; exit 1; }
BENCH_CP="p9/target/classes:datakit/target/classes:datakit/target/test-classes:$(cat "$BENCH_CPFILE")"
