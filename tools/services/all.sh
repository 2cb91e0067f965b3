#!/usr/bin/env bash
# Every real server the distributed mode needs: ClickHouse, Kafka, Swift (S3).
# Usage: tools/services/all.sh up|down|status|install
#   up      installs what is missing (apt-get update at most once), then starts the three in parallel and waits for health
#   down    stops them (only processes these scripts started)
# Then: eval "$(tools/services/env.sh)"  for the apps' and tests' environment variables.
SERVICE_NAME=all
source "$(dirname "$0")/lib.sh"

SERVICES=(clickhouse kafka swift)

install_all() {
  # Sequential: the installers share apt's lock and its one `apt-get update`.
  local s
  for s in "${SERVICES[@]}"; do "$SERVICES_SRC/$s.sh" install; done
}

up() {
  local t0 s failed=0
  t0="$(now_ms)"
  install_all
  declare -A pids
  for s in "${SERVICES[@]}"; do "$SERVICES_SRC/$s.sh" start & pids[$s]=$!; done
  for s in "${SERVICES[@]}"; do wait "${pids[$s]}" || { log "$s failed to start"; failed=1; }; done
  [ "$failed" -eq 0 ] || die "not every service started; logs are under $SERVICES_DIR/*/log"
  log "all services up in $(( $(now_ms) - t0 )) ms"
}

down() {
  local s
  for s in "${SERVICES[@]}"; do "$SERVICES_SRC/$s.sh" stop; done
}

status() {
  local s rc=0
  for s in "${SERVICES[@]}"; do "$SERVICES_SRC/$s.sh" status || rc=1; done
  return "$rc"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  install) install_all ;;
  *) echo "usage: $(basename "$0") up|down|status|install" >&2; exit 2 ;;
esac
