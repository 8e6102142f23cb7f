# Sourced by bin/* scripts: finds JDK 25 (JAVA_HOME first, then the Temurin path on our machines)
# and exports JAVA_HOME, or exits with a message saying what is missing.
dockyard_find_jdk() {
  local candidate version line
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    # the JDK's release file names its version without starting a JVM (~70 ms saved on every verb);
    # asking java itself is the fallback for a JDK laid out without one
    version=
    if [ -r "$candidate/release" ]; then
      while IFS= read -r line; do
        case $line in JAVA_VERSION=*) version=${line#JAVA_VERSION=}; version=${version#\"}; version=${version%\"}; break ;; esac
      done <"$candidate/release"
    fi
    [ -n "$version" ] || version=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    if [ "${version%%.*}" -ge 25 ] 2>/dev/null; then export JAVA_HOME=$candidate; return 0; fi
  done
  echo "dockyard: JDK 25 not found. Set JAVA_HOME to a JDK 25 (tried \$JAVA_HOME='${JAVA_HOME:-}' and /usr/lib/jvm/temurin-25-jdk-amd64)." >&2
  exit 1
}
dockyard_find_jdk
