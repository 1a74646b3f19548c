#!/usr/bin/env bash
# Sourced by Shoal's launchers: finds a JDK 21+ and builds the jars they need on first use.

SHOAL_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

shoal_java_major() {
  "$1" -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit }'
}

# JAVA_HOME first, then the java on PATH, then every JDK under /usr/lib/jvm.
shoal_find_java() {
  local candidates=() candidate major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for candidate in /usr/lib/jvm/*/bin/java; do
    [ -x "$candidate" ] && candidates+=("$candidate")
  done
  for candidate in "${candidates[@]}"; do
    [ -x "$candidate" ] || continue
    major="$(shoal_java_major "$candidate")"
    if [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "Shoal needs Java 21 or newer; none found in JAVA_HOME, on PATH or under /usr/lib/jvm." >&2
  return 1
}

# shoal_jar MODULE JAR: the path of the runnable jar, built with Maven if it is missing.
shoal_jar() {
  local jar="$SHOAL_HOME/$1/target/$2"
  if [ ! -f "$jar" ]; then
    echo "Building $2 (first use) ..." >&2
    (cd "$SHOAL_HOME" && mvn -B -q -DskipTests package -pl "$1" -am) >&2 || {
      echo "Building $2 failed; run 'mvn -B package' in $SHOAL_HOME to see why." >&2
      return 1
    }
  fi
  echo "$jar"
}

# shoal_exec MODULE JAR ARGS...: runs the jar with the JDK found above.
shoal_exec() {
  local module="$1" jarname="$2" java jar
  shift 2
  java="$(shoal_find_java)" || exit 1
  jar="$(shoal_jar "$module" "$jarname")" || exit 1
  local opts=()
  if [ "$(shoal_java_major "$java")" -ge 24 ]; then
    opts+=("--sun-misc-unsafe-memory-access=allow")
  fi
  # shellcheck disable=SC2086
  exec "$java" "${opts[@]}" ${SHOAL_JAVA_OPTS:-} -Dshoal.log.dir="${SHOAL_LOG_DIR:-$SHOAL_HOME/log}" -jar "$jar" "$@"
}
