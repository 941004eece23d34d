#!/usr/bin/env bash
# Builds the base image every other image starts from: Debian bookworm (minbase), made here with debootstrap from the
# machine's own Debian mirror and imported with `docker import`. No container registry is needed. The root
# filesystem's tarball is cached under .data/docker/ and the image is kept tagged, so a second run does nothing.
#   usage: deploy/docker/build-base.sh [--force]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DOCKER="${DOCKER:-docker}"
BASE_IMAGE="${CHAT_BASE_IMAGE:-chat-base:bookworm}"
CACHE="${CHAT_DOCKER_CACHE:-$ROOT/.data/docker}"
TARBALL="$CACHE/bookworm-minbase.tar"

log() { printf '[docker-base] %s\n' "$*"; }

# The first http(s) URI of the given suite in the machine's apt sources (deb822 .sources files or one-line .list).
mirror_for() {
    local suite="$1" fallback="$2"
    local uri
    uri="$(awk -v suite="$suite" '
        /^URIs:/ { uri = $2 }
        /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite && uri != "") { print uri; exit } }
        /^deb / { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { if ($(i + 1) == suite) { print $i; exit } break } }
    ' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null || true)"
    printf '%s\n' "${uri:-$fallback}"
}

if [ "${1:-}" != "--force" ] && "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    log "$BASE_IMAGE is present"
    exit 0
fi

MIRROR="$(mirror_for bookworm http://deb.debian.org/debian)"
SECURITY="$(mirror_for bookworm-security http://deb.debian.org/debian-security)"

if [ "${1:-}" = "--force" ] || [ ! -s "$TARBALL" ]; then
    command -v debootstrap >/dev/null || { log "error: debootstrap is missing (scripts/bootstrap.sh --docker)" >&2; exit 1; }
    mkdir -p "$CACHE"
    target="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
    trap 'rm -rf "$target"' EXIT
    log "debootstrap bookworm (minbase) from $MIRROR"
    debootstrap --variant=minbase bookworm "$target" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 || {
        tail -20 "$CACHE/debootstrap.log" >&2
        exit 1
    }
    # The same mirror for updates and security fixes inside the images; packages are installed without recommends,
    # services never start at install time, and apt keeps no caches in the layers.
    cat >"$target/etc/apt/sources.list" <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY bookworm-security main
SOURCES
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$target/etc/apt/apt.conf.d/90no-recommends"
    printf 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb || true"; };\nAPT::Update::Post-Invoke { "true"; };\nBinary::apt::APT::Keep-Downloaded-Packages "false";\n' \
        >"$target/etc/apt/apt.conf.d/90no-cache"
    printf '#!/bin/sh\nexit 101\n' >"$target/usr/sbin/policy-rc.d"
    chmod 755 "$target/usr/sbin/policy-rc.d"
    rm -rf "$target"/var/cache/apt/archives/*.deb "$target"/var/lib/apt/lists/* "$target"/var/log/* "$target"/tmp/*
    # Sorted, with fixed owners and times: the same packages give the same tarball.
    tar --sort=name --numeric-owner --mtime='2000-01-01 00:00Z' -C "$target" -cf "$TARBALL.tmp" .
    mv "$TARBALL.tmp" "$TARBALL"
    rm -rf "$target"
    trap - EXIT
fi

log "docker import $TARBALL as $BASE_IMAGE"
"$DOCKER" import \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' \
    --message "debootstrap --variant=minbase bookworm $MIRROR" \
    "$TARBALL" "$BASE_IMAGE" >/dev/null
log "built $BASE_IMAGE ($("$DOCKER" image inspect --format '{{.Size}}' "$BASE_IMAGE" | awk '{printf "%.0f MB", $1 / 1e6}'))"
