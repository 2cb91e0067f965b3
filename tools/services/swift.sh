#!/usr/bin/env bash
# OpenStack Swift with the s3api middleware (Debian packages): an S3-compatible object store on
# http://127.0.0.1:$SWIFT_PROXY_PORT (18080), access key "test:tester", secret "testing". Runs memcached and the
# account, container and object servers on one-device rings; configs, rings, data and logs under .services/swift.
# Usage: tools/services/swift.sh install|start|stop|restart|status
SERVICE_NAME=swift
source "$(dirname "$0")/lib.sh"

SWIFT_DIR="$SERVICES_DIR/swift"
SWIFT_ETC="$SWIFT_DIR/etc"
SWIFT_RUN="$SWIFT_DIR/run"
SWIFT_LOG="$SWIFT_DIR/log"
# Start order: the proxy last, after what it talks to. Stop in reverse.
SWIFT_PROCS=(memcached account container object proxy)

do_install() {
  apt_install swift-proxy swift-object swift-container swift-account memcached
}

port_of() {
  case "$1" in
    account) echo "$SWIFT_ACCOUNT_PORT" ;; container) echo "$SWIFT_CONTAINER_PORT" ;;
    object) echo "$SWIFT_OBJECT_PORT" ;; proxy) echo "$SWIFT_PROXY_PORT" ;; memcached) echo "$SWIFT_MEMCACHED_PORT" ;;
  esac
}

render_config() {
  mkdir -p "$SWIFT_ETC" "$SWIFT_RUN" "$SWIFT_LOG" "$SWIFT_DIR/srv/d1"
  cp "$SERVICES_SRC/swift/swift.conf" "$SWIFT_ETC/swift.conf"
  local kind
  for kind in account container object proxy; do
    sed -e "s|@DATA@|$SWIFT_DIR|g" -e "s|@ETC@|$SWIFT_ETC|g" -e "s|@PORT@|$(port_of "$kind")|g" \
      -e "s|@PROXY_PORT@|$SWIFT_PROXY_PORT|g" -e "s|@MEMCACHED_PORT@|$SWIFT_MEMCACHED_PORT|g" -e "s|@USER@|$(id -un)|g" \
      "$SERVICES_SRC/swift/$kind-server.conf" >"$SWIFT_ETC/$kind-server.conf"
  done
}

# One ring per server kind, one replica on one device. Rebuilt only when the ports change (they are in the ring).
build_rings() {
  local want="$SWIFT_ACCOUNT_PORT $SWIFT_CONTAINER_PORT $SWIFT_OBJECT_PORT" kind
  if [ -f "$SWIFT_ETC/rings.ports" ] && [ "$(cat "$SWIFT_ETC/rings.ports")" = "$want" ]; then return 0; fi
  log "building one-device rings"
  for kind in account container object; do
    rm -f "$SWIFT_ETC/$kind.builder" "$SWIFT_ETC/$kind.ring.gz"
    (cd "$SWIFT_ETC" &&
      swift-ring-builder "$kind.builder" create 8 1 1 &&
      swift-ring-builder "$kind.builder" add "r1z1-127.0.0.1:$(port_of "$kind")/d1" 100 &&
      swift-ring-builder "$kind.builder" rebalance) >>"$SWIFT_LOG/rings.log" 2>&1 ||
      { cat "$SWIFT_LOG/rings.log" >&2; die "building the $kind ring failed"; }
  done
  echo "$want" >"$SWIFT_ETC/rings.ports"
}

start_proc() {
  local kind="$1" pidfile="$SWIFT_RUN/$1.pid"
  if pid_alive "$pidfile"; then return 0; fi
  if port_open "$(port_of "$kind")"; then die "port $(port_of "$kind") ($kind) is taken by another process"; fi
  case "$kind" in
    # memcached refuses to run as root unless told which user to be.
    memcached) start_bg "$pidfile" "$SWIFT_LOG/memcached.log" memcached -l 127.0.0.1 -p "$SWIFT_MEMCACHED_PORT" -U 0 -m 64 -u "$(id -un)" ;;
    # -v: log to stdout (our log file) as well as syslog.
    *) start_bg "$pidfile" "$SWIFT_LOG/$kind.log" "swift-$kind-server" "$SWIFT_ETC/$kind-server.conf" -v ;;
  esac
}

proc_healthy() {
  case "$1" in
    memcached) port_open "$SWIFT_MEMCACHED_PORT" ;;
    *) [ "$(curl -fsS --max-time 2 "http://127.0.0.1:$(port_of "$1")/healthcheck" 2>/dev/null)" = "OK" ] ;;
  esac
}

# End to end: tempauth issues a token and the account (created on demand) answers through the whole pipeline.
account_reachable() {
  local headers token url
  headers="$(curl -fsS --max-time 5 -D - -o /dev/null -H "X-Auth-User: $S3_ACCESS_KEY" -H "X-Auth-Key: $S3_SECRET_KEY" \
    "http://127.0.0.1:$SWIFT_PROXY_PORT/auth/v1.0")" || return 1
  token="$(printf '%s' "$headers" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-auth-token"{print $2}')"
  url="$(printf '%s' "$headers" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-storage-url"{print $2}')"
  [ -n "$token" ] && [ -n "$url" ] && curl -fsS --max-time 5 -o /dev/null -I -H "X-Auth-Token: $token" "$url"
}

all_healthy() {
  local kind
  for kind in "${SWIFT_PROCS[@]}"; do pid_alive "$SWIFT_RUN/$kind.pid" && proc_healthy "$kind" || return 1; done
  account_reachable
}

do_start() {
  if all_healthy >/dev/null 2>&1; then log "already running"; return 0; fi
  command -v swift-proxy-server >/dev/null || die "swift is not installed (run: $0 install)"
  render_config
  build_rings
  local kind
  for kind in "${SWIFT_PROCS[@]}"; do
    start_proc "$kind"
    wait_until 60 "swift $kind on :$(port_of "$kind")" "$SWIFT_RUN/$kind.pid" proc_healthy "$kind"
  done
  wait_until 30 "swift account through the proxy" "" account_reachable
  log "healthy: S3 endpoint http://127.0.0.1:$SWIFT_PROXY_PORT (access key $S3_ACCESS_KEY)"
}

do_stop() {
  local i kind
  for ((i = ${#SWIFT_PROCS[@]} - 1; i >= 0; i--)); do
    kind="${SWIFT_PROCS[$i]}"
    if pid_alive "$SWIFT_RUN/$kind.pid"; then log "stopping $kind (pid $(cat "$SWIFT_RUN/$kind.pid"))"; fi
    stop_pid "$SWIFT_RUN/$kind.pid" 30
  done
}

do_status() {
  local kind running=0
  for kind in "${SWIFT_PROCS[@]}"; do pid_alive "$SWIFT_RUN/$kind.pid" && running=$((running + 1)); done
  if [ "$running" -eq "${#SWIFT_PROCS[@]}" ] && all_healthy >/dev/null 2>&1; then
    echo "swift: running http://127.0.0.1:$SWIFT_PROXY_PORT"; return 0
  fi
  if [ "$running" -gt 0 ]; then echo "swift: $running of ${#SWIFT_PROCS[@]} processes running, not healthy"; return 1; fi
  echo "swift: stopped"; return 3
}

run_command "$@"
