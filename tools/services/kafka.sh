#!/usr/bin/env bash
# Apache Kafka 4.x broker, KRaft single node (broker + controller in one JVM) on 127.0.0.1:$KAFKA_PORT (19092),
# controller on $KAFKA_CONTROLLER_PORT (19093). Jars come from Maven Central through kafka/pom.xml; they, the
# formatted log directory and the logs live under .services/kafka. Needs Java 17+ and Maven (Debian: openjdk-17-jre-headless maven).
# Usage: tools/services/kafka.sh install|start|stop|restart|status
SERVICE_NAME=kafka
source "$(dirname "$0")/lib.sh"

KAFKA_DIR="$SERVICES_DIR/kafka"
KAFKA_LIB="$KAFKA_DIR/lib"
KAFKA_PID="$KAFKA_DIR/kafka.pid"
KAFKA_LOG="$KAFKA_DIR/log/kafka.log"
POM="$SERVICES_SRC/kafka/pom.xml"
# Re-resolve the jars whenever the pom changes (a version bump), not on every start.
INSTALLED_STAMP="$KAFKA_LIB/.pom.sha256"

java_cmd() { "${JAVA_HOME:+$JAVA_HOME/bin/}java" "$@"; }

do_install() {
  local sum
  command -v java >/dev/null && command -v mvn >/dev/null || apt_install openjdk-17-jre-headless maven
  sum="$(sha256sum "$POM" | cut -d' ' -f1)"
  if [ -f "$INSTALLED_STAMP" ] && [ "$(cat "$INSTALLED_STAMP")" = "$sum" ]; then return 0; fi
  log "resolving the broker's jars with Maven"
  rm -rf "$KAFKA_LIB.tmp"
  mkdir -p "$KAFKA_DIR/log"
  mvn -q -B -Dstyle.color=never -f "$POM" -Dmaven.repo.local="$KAFKA_DIR/m2" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIB.tmp" >"$KAFKA_DIR/log/maven.log" 2>&1 ||
    { cat "$KAFKA_DIR/log/maven.log" >&2; die "resolving the Kafka jars with Maven failed (is Maven Central reachable?)"; }
  rm -rf "$KAFKA_LIB" && mv "$KAFKA_LIB.tmp" "$KAFKA_LIB"
  echo "$sum" >"$INSTALLED_STAMP"
  log "installed $(ls "$KAFKA_LIB" | grep -E '^kafka_2\.13-' ) and $(ls "$KAFKA_LIB" | wc -l | tr -d ' ') jars"
}

render_config() {
  mkdir -p "$KAFKA_DIR/data" "$KAFKA_DIR/log"
  sed -e "s|@DATA@|$KAFKA_DIR|g" -e "s|@PORT@|$KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
    "$SERVICES_SRC/kafka/server.properties" >"$KAFKA_DIR/server.properties"
}

# KRaft needs its log directory formatted once with a cluster id; the id is kept so restarts reuse the data.
format_storage() {
  [ -f "$KAFKA_DIR/data/meta.properties" ] && return 0
  [ -f "$KAFKA_DIR/cluster-id" ] || java_cmd -cp "$KAFKA_LIB/*" kafka.tools.StorageTool random-uuid >"$KAFKA_DIR/cluster-id"
  log "formatting $KAFKA_DIR/data (cluster $(cat "$KAFKA_DIR/cluster-id"))"
  java_cmd -cp "$KAFKA_LIB/*" -Dlog4j2.configurationFile="$SERVICES_SRC/kafka/log4j2.properties" \
    kafka.tools.StorageTool format --ignore-formatted -t "$(cat "$KAFKA_DIR/cluster-id")" -c "$KAFKA_DIR/server.properties" \
    >"$KAFKA_DIR/log/format.log" 2>&1 || { cat "$KAFKA_DIR/log/format.log" >&2; die "formatting the log directory failed"; }
}

healthy() { grep -q 'Kafka Server started' "$KAFKA_LOG" 2>/dev/null && port_open "$KAFKA_PORT"; }

do_start() {
  if pid_alive "$KAFKA_PID" && healthy; then log "already running (pid $(cat "$KAFKA_PID"))"; return 0; fi
  pid_alive "$KAFKA_PID" && stop_pid "$KAFKA_PID"
  if port_open "$KAFKA_PORT" || port_open "$KAFKA_CONTROLLER_PORT"; then
    die "port $KAFKA_PORT or $KAFKA_CONTROLLER_PORT is taken by another process"
  fi
  render_config
  format_storage
  [ -f "$KAFKA_LOG" ] && mv "$KAFKA_LOG" "$KAFKA_LOG.1"  # the health check reads this run's log only
  start_bg "$KAFKA_PID" "$KAFKA_LOG" "${JAVA_HOME:+$JAVA_HOME/bin/}java" \
    -Xms256m -Xmx${MICROSCOPE_KAFKA_HEAP:-768m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$SERVICES_SRC/kafka/log4j2.properties" \
    -cp "$KAFKA_LIB/*" kafka.Kafka "$KAFKA_DIR/server.properties"
  wait_until 120 "kafka on :$KAFKA_PORT" "$KAFKA_PID" healthy
  log "healthy on 127.0.0.1:$KAFKA_PORT (pid $(cat "$KAFKA_PID"))"
}

do_stop() {
  if pid_alive "$KAFKA_PID"; then log "stopping pid $(cat "$KAFKA_PID")"; fi
  stop_pid "$KAFKA_PID" 60
}

do_status() {
  if pid_alive "$KAFKA_PID" && healthy; then echo "kafka: running (pid $(cat "$KAFKA_PID")) 127.0.0.1:$KAFKA_PORT"; return 0; fi
  if pid_alive "$KAFKA_PID"; then echo "kafka: starting or unhealthy (pid $(cat "$KAFKA_PID"))"; return 1; fi
  echo "kafka: stopped"; return 3
}

run_command "$@"
