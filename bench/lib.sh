# Sourced by the bench scripts (cwd = repository root): finds JDK 25, builds what the benches run
# (./mvnw -pl cli -am package -DskipTests, only when a source or pom is newer than the last build) and
# sets BENCH_CP, the class path of p9 + datakit (main and test classes) + the third-party jars that
# the cli module's package step copies to cli/target/lib (JGit, slf4j-nop, ...).
# The third-party jars come from cli/target/lib, never from a `dependency:build-classpath` of its
# own: that goal resolves the sibling modules (dockyard:p9, ...) from the local repository (~/.m2),
# which holds them only on a machine that once ran `mvnw install` (CI and a fresh clone never do).
# BENCH_BUILD=0 skips the build check (use what is in target/).
. bin/jdk.sh
BENCH_MARK=datakit/target/test-classes/dockyard/datakit/bench/DataKitBench.class
BENCH_LIB=cli/target/lib
bench_mvnw() { ./mvnw -q -B -o "$@" || ./mvnw -q -B "$@"; }   # offline first, then with the network
if [ "${BENCH_BUILD:-1}" != 0 ]; then
  if [ ! -f "$BENCH_MARK" ] || [ ! -d "$BENCH_LIB" ] ||
     [ -n "$(find pom.xml */pom.xml p9/src datakit/src -newer "$BENCH_MARK" -type f | head -1)" ]; then
    echo "bench: building (./mvnw -pl cli -am package -DskipTests)" >&2
    bench_mvnw -pl cli -am package -DskipTests >&2
    touch "$BENCH_MARK"
  fi
fi
[ -f "$BENCH_MARK" ] && [ -d "$BENCH_LIB" ] ||
  { echo "bench: not built ($BENCH_MARK, $BENCH_LIB/); run without BENCH_BUILD=0" >&2; exit 1; }
# the reactor's own modules (their jars in cli/target/lib are left out: the classes/ directories
# above stand for them, fresh even when only -pl datakit was rebuilt since)
bench_modules=$(sed -n 's|.*<module>\(.*\)</module>.*|\1|p' pom.xml)
BENCH_CP="p9/target/classes:datakit/target/classes:datakit/target/test-classes"
for bench_jar in "$BENCH_LIB"/*.jar; do
  bench_name=${bench_jar##*/}
  for bench_m in $bench_modules; do [[ $bench_name == "$bench_m"-[0-9]*.jar ]] && continue 2; done
  BENCH_CP+=":$bench_jar"
done
unset bench_modules bench_jar bench_name bench_m
