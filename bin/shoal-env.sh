#!/usr/bin/env bash
# Sourced by Shoal's launchers: finds a JDK 21+ and builds the jars they need on first use.

SHOAL_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# shoal_java_major JAVA: the feature version of JAVA (17, 21, 25, ...), read from its JDK's
# release file (no JVM start: launchers run this for every candidate), else from "java -version".
shoal_java_major() {
  local home="" version=""
  home="$(dirname "$(dirname "$(readlink -f "$1" 2>/dev/null || echo "$1")")")"
  if [ -r "$home/release" ]; then
    version="$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release")"
  fi
  if [ -z "$version" ]; then
    version="$("$1" -version 2>&1 | awk -F'"' '/version/ { print $2; exit }')"
  fi
  awk -v v="$version" 'BEGIN { if (v != "") { split(v, p, "."); print (p[1] == "1" ? p[2] : p[1]) } }'
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

# shoal_exec MODULE JAR ARGS...: runs the jar with the JDK found above. With SHOAL_SHARED_ARCHIVE
# set to a name (bin/shoal does), the JVM also uses a class-data sharing archive of that name, see
# shoal_archive_opts.
shoal_exec() {
  local module="$1" jarname="$2" java jar major
  shift 2
  java="$(shoal_find_java)" || exit 1
  jar="$(shoal_jar "$module" "$jarname")" || exit 1
  major="$(shoal_java_major "$java")"
  local opts=()
  if [ "$major" -ge 24 ]; then
    opts+=("--sun-misc-unsafe-memory-access=allow")
  fi
  if [ -n "${SHOAL_SHARED_ARCHIVE:-}" ]; then
    shoal_archive_opts "$java" "$major" "$jar" "$SHOAL_SHARED_ARCHIVE"
  fi
  # shellcheck disable=SC2086
  exec "$java" "${opts[@]}" ${SHOAL_JAVA_OPTS:-} -Dshoal.log.dir="${SHOAL_LOG_DIR:-$SHOAL_HOME/log}" -jar "$jar" "$@"
}

# shoal_archive_opts JAVA MAJOR JAR NAME: appends to opts the JVM options of a dynamic class-data
# sharing archive of JAR (JDK 19+): the classes a call loaded, loaded from it next time instead of
# from the jar, which halves a short call's start. The archive lives in
# ${SHOAL_CDS_DIR:-${XDG_CACHE_HOME:-~/.cache}/shoal}, named after NAME, the JDK and the jar (its
# path, size and time), so a rebuilt jar or another JDK gets its own; the JVM writes it when the
# first call ends, and replaces it when it no longer matches. When the directory cannot be
# written, an archive already there is only read, or none is used: silently, either way.
shoal_archive_opts() {
  local java="$1" major="$2" jar="$3" name="$4" dir archive key
  [ "$major" -ge 19 ] 2>/dev/null || return 0
  if [ -n "${SHOAL_CDS_DIR:-}" ]; then
    dir="$SHOAL_CDS_DIR"
  elif [ -n "${XDG_CACHE_HOME:-}" ]; then
    dir="$XDG_CACHE_HOME/shoal"
  elif [ -n "${HOME:-}" ]; then
    dir="$HOME/.cache/shoal"
  else
    return 0
  fi
  key="$(printf '%s|%s' "$java" "$jar" | cksum | cut -d' ' -f1)"
  archive="$dir/$name-jdk$major-$key-$(stat -c '%s-%Y' "$jar" 2>/dev/null | cksum | cut -d' ' -f1).jsa"
  # the JVM's notes about the archive (created, mismatched, skipped classes) are no one's business
  opts+=("-Xlog:cds*=off")
  [ "$major" -ge 24 ] && opts+=("-Xlog:aot*=off")
  if mkdir -p "$dir" 2>/dev/null && [ -w "$dir" ]; then
    if [ ! -f "$archive" ]; then
      # archives of this jar's earlier builds
      rm -f "$dir/$name-jdk$major-$key-"*.jsa 2>/dev/null
    fi
    opts+=("-XX:SharedArchiveFile=$archive" "-XX:+AutoCreateSharedArchive")
  elif [ -r "$archive" ]; then
    opts+=("-XX:SharedArchiveFile=$archive")
  fi
}
