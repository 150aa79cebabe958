# Sourced by ./vlmd and .ci/run: prints the home of a JDK 25 or newer.
# Order: $JAVA_HOME, the `java` on PATH, then JDKs under /usr/lib/jvm (Debian, Temurin packages).
java_feature() { # java executable -> feature version (17, 25, ...), or 0
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
}

find_jdk25() {
  local candidate v
  for candidate in "${JAVA_HOME:-}" "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")" /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    v=$(java_feature "$candidate/bin/java")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then
      echo "$candidate"
      return 0
    fi
  done
  echo "no JDK 25 found: set JAVA_HOME to a JDK 25 (looked at JAVA_HOME, PATH and /usr/lib/jvm)" >&2
  return 1
}
