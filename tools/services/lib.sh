# Shared helpers for the service scripts (sourced, not run). Every server listens on 127.0.0.1 only, keeps its data
# under $SERVICES_DIR (default <repo>/.services, gitignored) and is tracked by a pid file there, so `stop` only ever
# signals processes these scripts started.
set -euo pipefail

SERVICES_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SERVICES_SRC/../.." && pwd)"
SERVICES_DIR="${MICROSCOPE_SERVICES_DIR:-$REPO_ROOT/.services}"

# Ports (overridable, e.g. to run two checkouts side by side). env.sh prints the client settings derived from them.
CLICKHOUSE_HTTP_PORT="${MICROSCOPE_CLICKHOUSE_HTTP_PORT:-18123}"
CLICKHOUSE_TCP_PORT="${MICROSCOPE_CLICKHOUSE_TCP_PORT:-19000}"
KAFKA_PORT="${MICROSCOPE_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${MICROSCOPE_KAFKA_CONTROLLER_PORT:-19093}"
SWIFT_PROXY_PORT="${MICROSCOPE_SWIFT_PROXY_PORT:-18080}"
# Swift's backend servers and memcached: off their default ports (6200-6202, 11211) so a system install does not clash.
SWIFT_OBJECT_PORT="${MICROSCOPE_SWIFT_OBJECT_PORT:-16200}"
SWIFT_CONTAINER_PORT="${MICROSCOPE_SWIFT_CONTAINER_PORT:-16201}"
SWIFT_ACCOUNT_PORT="${MICROSCOPE_SWIFT_ACCOUNT_PORT:-16202}"
SWIFT_MEMCACHED_PORT="${MICROSCOPE_SWIFT_MEMCACHED_PORT:-21211}"
S3_ACCESS_KEY="test:tester"
S3_SECRET_KEY="testing"

log() { printf '[%s] %s\n' "${SERVICE_NAME:-services}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

now_ms() { date +%s%3N; }

# Runs `apt-get update` at most once per hour across all scripts (the stamp lives with the data), then installs
# whatever of the named packages is missing. Needs root, as on CI; a developer without root installs them once by hand.
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install -y ${missing[*]})"
  mkdir -p "$SERVICES_DIR"
  local stamp="$SERVICES_DIR/.apt-updated"
  if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +60 2>/dev/null)" ]; then
    log "apt-get update"
    apt-get update -qq
    touch "$stamp"
  fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# proc_start_time PID: the kernel's start time of PID (field 22 of /proc/PID/stat), empty for a missing or zombie
# process. Zombies count as gone: an orphaned server is reaped by PID 1 only some time after it exits.
proc_start_time() {
  local stat rest
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  rest="${stat##*) }"  # fields after "(comm)", which may itself contain spaces
  set -- $rest
  [ "$1" = "Z" ] || echo "${20}"
}

# pid_alive PIDFILE: true when the pid file names a running process that is the one we started (same start time,
# so a recycled pid is never mistaken for ours).
pid_alive() {
  local pidfile="$1" pid
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile")"
  [ -n "$pid" ] && [ -n "$(proc_start_time "$pid")" ] || return 1
  [ ! -f "$pidfile.start" ] || [ "$(cat "$pidfile.start")" = "$(proc_start_time "$pid")" ]
}

# start_bg PIDFILE LOGFILE CMD...: starts CMD in its own session (so its pid is also its process group, and stop can
# signal the group it forked) with output to LOGFILE, and records the pid.
start_bg() {
  local pidfile="$1" logfile="$2"; shift 2
  mkdir -p "$(dirname "$pidfile")" "$(dirname "$logfile")"
  setsid "$@" >>"$logfile" 2>&1 </dev/null &
  echo $! >"$pidfile"
  proc_start_time $! >"$pidfile.start"
}

# stop_pid PIDFILE [TIMEOUT_S]: SIGTERM to the recorded process group, SIGKILL after the timeout, then removes the file.
stop_pid() {
  local pidfile="$1" timeout="${2:-30}" pid i
  if ! pid_alive "$pidfile"; then rm -f "$pidfile" "$pidfile.start"; return 0; fi
  pid="$(cat "$pidfile")"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    pid_alive "$pidfile" || break
    sleep 0.1
  done
  if pid_alive "$pidfile"; then
    log "pid $pid did not stop in ${timeout}s; sending SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile" "$pidfile.start"
}

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_until TIMEOUT_S DESCRIPTION PIDFILE CHECK...: polls CHECK until it succeeds; fails early if the process died.
wait_until() {
  local timeout="$1" what="$2" pidfile="$3"; shift 3
  local deadline=$(($(date +%s) + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ -n "$pidfile" ] && ! pid_alive "$pidfile"; then die "$what: the process exited during startup"; fi
    [ "$(date +%s)" -lt "$deadline" ] || die "$what: not healthy after ${timeout}s"
    sleep 0.2
  done
}

# Dispatches `install|start|stop|status|restart` to the sourcing script's functions.
# `start` installs first (a no-op once installed), so a fresh machine needs only `start`. Each step reports its time.
run_command() {
  local cmd="${1:-}" t0
  t0="$(now_ms)"
  case "$cmd" in
    install) do_install ;;
    start) do_install && do_start ;;
    stop) do_stop ;;
    restart) do_stop && do_start ;;
    status) do_status; return ;;
    *) echo "usage: $(basename "$0") install|start|stop|restart|status" >&2; exit 2 ;;
  esac
  log "$cmd done in $(( $(now_ms) - t0 )) ms"
}
