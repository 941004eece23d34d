#!/usr/bin/env bash
# Installs whatever the project needs that is missing, and nothing else. Safe to re-run: with everything present it
# only checks, so `make` can call it before every target.
#   --docker  also the container tools that `make docker-test` needs (Debian's docker.io, docker-compose, debootstrap)
set -euo pipefail

WANT_DOCKER=""
for arg in "$@"; do
    case "$arg" in
        --docker) WANT_DOCKER=1 ;;
        *) printf '[bootstrap] unknown option: %s\n' "$arg" >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
UV_VERSION="0.13.9"

log() { printf '[bootstrap] %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo "$@"
    fi
}

# --- Debian packages -------------------------------------------------------------------------------------------------

APT_PACKAGES=()

want_python_venv() {
    command -v python3 >/dev/null || APT_PACKAGES+=(python3)
    # Debian ships ensurepip (which `python3 -m venv` needs) in a separate package.
    python3 -c 'import ensurepip' 2>/dev/null || APT_PACKAGES+=(python3-venv)
}

want_servers() {
    command -v redis-server >/dev/null || APT_PACKAGES+=(redis-server)
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || APT_PACKAGES+=(postgresql)
}

# The cluster test (backend/tests/cluster/) builds hosts from network namespaces (iproute2's `ip netns`) and runs the
# balancer and the metrics server that DEPLOYMENT.md names: Debian's nginx and Prometheus.
want_cluster_tools() {
    command -v ip >/dev/null || APT_PACKAGES+=(iproute2)
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || APT_PACKAGES+=(nginx)
    command -v prometheus >/dev/null || APT_PACKAGES+=(prometheus)
}

# The browser tests drive Debian's Chromium (Playwright is never allowed to download a browser of its own).
want_browser() {
    [ -x /usr/bin/chromium ] || APT_PACKAGES+=(chromium)
}

# The container images (deploy/, scripts/docker.sh): the daemon and client, compose 1.29, and debootstrap for the base.
want_docker() {
    [ -n "$WANT_DOCKER" ] || return 0
    { command -v dockerd >/dev/null && [ -x /usr/bin/docker ]; } || APT_PACKAGES+=(docker.io)
    command -v docker-compose >/dev/null || APT_PACKAGES+=(docker-compose)
    command -v debootstrap >/dev/null || APT_PACKAGES+=(debootstrap)
}

install_apt_packages() {
    [ "${#APT_PACKAGES[@]}" -gt 0 ] || return 0
    log "installing Debian packages: ${APT_PACKAGES[*]}"
    # The stack runs private Redis and PostgreSQL instances; keep the packages' system-wide services from starting.
    local policy=/usr/sbin/policy-rc.d
    local own_policy=""
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
        as_root chmod 755 "$policy"
        own_policy=1
        trap 'as_root rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" \
        >/dev/null
    if [ -n "$own_policy" ]; then
        as_root rm -f "$policy"
        trap - EXIT
    fi
    # Where systemd runs, the packages also enabled their services for the next boot.
    if [ -d /run/systemd/system ]; then
        as_root systemctl disable --now redis-server postgresql nginx prometheus >/dev/null 2>&1 || true
    fi
}

# --- uv, pinned, in a project-local venv -----------------------------------------------------------------------------

ensure_uv() {
    # `uv --version` says e.g. "uv 0.13.9 (x86_64-unknown-linux-gnu)".
    case "$("$TOOLS/bin/uv" --version 2>/dev/null || true)" in
        "uv $UV_VERSION" | "uv $UV_VERSION "*) return 0 ;;
    esac
    log "installing uv $UV_VERSION into .tools/"
    # A venv of its own works where the system pip is externally managed, and needs no root.
    "$TOOLS/bin/python" -c '' 2>/dev/null || python3 -m venv --clear "$TOOLS"
    "$TOOLS/bin/python" -m pip install --quiet --quiet --disable-pip-version-check "uv==$UV_VERSION"
}

# --- project dependencies --------------------------------------------------------------------------------------------

sync_backend() {
    (cd "$ROOT/backend" && "$TOOLS/bin/uv" sync --frozen --quiet)
}

# The web app's dependencies, exactly as package-lock.json pins them; skipped when node_modules already matches it.
NODE_MIN_VERSION="20.9.0"

sync_frontend() {
    local frontend="$ROOT/frontend"
    [ -f "$frontend/package-lock.json" ] || return 0
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        log "error: Node.js >= $NODE_MIN_VERSION with npm is needed for the web app (frontend/); install it first" >&2
        return 1
    fi
    if ! node -e 'const [a, b] = process.argv[1].split(".").map(Number); const [x, y] = process.versions.node.split(".").map(Number); process.exit(x > a || (x === a && y >= b) ? 0 : 1)' "$NODE_MIN_VERSION"; then
        log "error: the web app needs Node.js >= $NODE_MIN_VERSION; this is $(node --version)" >&2
        return 1
    fi
    local stamp="$frontend/node_modules/.bootstrap-lock.sha256"
    local want
    want="$(sha256sum "$frontend/package-lock.json" | cut -d' ' -f1)"
    [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return 0
    log "installing the web app's npm packages (npm ci)"
    (cd "$frontend" && npm ci --no-audit --no-fund --loglevel=error)
    printf '%s\n' "$want" >"$stamp"
}

want_python_venv
want_servers
want_cluster_tools
want_browser
want_docker
install_apt_packages
ensure_uv
sync_backend
sync_frontend
