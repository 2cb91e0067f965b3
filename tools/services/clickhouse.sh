#!/usr/bin/env bash
# ClickHouse server (Debian's clickhouse-server 18.16) on 127.0.0.1: HTTP $CLICKHOUSE_HTTP_PORT (18123), native TCP
# $CLICKHOUSE_TCP_PORT (19000); data, logs and the rendered config under .services/clickhouse.
# Usage: tools/services/clickhouse.sh install|start|stop|restart|status
SERVICE_NAME=clickhouse
source "$(dirname "$0")/lib.sh"

CH_DIR="$SERVICES_DIR/clickhouse"
CH_PID="$CH_DIR/clickhouse.pid"
CH_BIN=/usr/bin/clickhouse-server
[ -x "$CH_BIN" ] || CH_BIN=/usr/sbin/clickhouse-server

do_install() {
  apt_install clickhouse-server clickhouse-client
}

render_config() {
  mkdir -p "$CH_DIR"/{data,tmp,user_files,format_schemas,log}
  sed -e "s|@DATA@|$CH_DIR|g" -e "s|@HTTP_PORT@|$CLICKHOUSE_HTTP_PORT|g" -e "s|@TCP_PORT@|$CLICKHOUSE_TCP_PORT|g" \
    "$SERVICES_SRC/clickhouse/config.xml" >"$CH_DIR/config.xml"
  cp "$SERVICES_SRC/clickhouse/users.xml" "$CH_DIR/users.xml"
}

healthy() { [ "$(curl -fsS --max-time 2 "http://127.0.0.1:$CLICKHOUSE_HTTP_PORT/ping" 2>/dev/null)" = "Ok." ]; }

do_start() {
  if pid_alive "$CH_PID" && healthy; then log "already running (pid $(cat "$CH_PID"))"; return 0; fi
  pid_alive "$CH_PID" && stop_pid "$CH_PID"
  if port_open "$CLICKHOUSE_HTTP_PORT"; then die "port $CLICKHOUSE_HTTP_PORT is taken by another process"; fi
  [ -x /usr/bin/clickhouse-server ] || [ -x /usr/sbin/clickhouse-server ] || die "clickhouse-server is not installed (run: $0 install)"
  render_config
  (cd "$CH_DIR" && start_bg "$CH_PID" "$CH_DIR/log/stdout.log" "$CH_BIN" --config-file="$CH_DIR/config.xml")
  wait_until 60 "clickhouse on :$CLICKHOUSE_HTTP_PORT" "$CH_PID" healthy
  log "healthy on http://127.0.0.1:$CLICKHOUSE_HTTP_PORT (pid $(cat "$CH_PID"))"
}

do_stop() {
  if pid_alive "$CH_PID"; then log "stopping pid $(cat "$CH_PID")"; fi
  stop_pid "$CH_PID" 60
}

do_status() {
  if pid_alive "$CH_PID" && healthy; then echo "clickhouse: running (pid $(cat "$CH_PID")) http://127.0.0.1:$CLICKHOUSE_HTTP_PORT"; return 0; fi
  if pid_alive "$CH_PID"; then echo "clickhouse: starting or unhealthy (pid $(cat "$CH_PID"))"; return 1; fi
  echo "clickhouse: stopped"; return 3
}

run_command "$@"
