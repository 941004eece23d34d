#!/bin/sh
# First start: an empty data directory becomes a cluster with one role (POSTGRES_USER, password POSTGRES_PASSWORD,
# scram-sha-256 over TCP) owning one database (POSTGRES_DB). Later starts find the cluster and only run the command.
set -eu
: "${POSTGRES_USER:=chat}" "${POSTGRES_DB:=chatdb}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ]; then
        echo "postgres-entrypoint: set POSTGRES_PASSWORD" >&2
        exit 1
    fi
    pwfile="$(mktemp)"
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
    echo "CREATE DATABASE \"$POSTGRES_DB\" OWNER \"$POSTGRES_USER\"" | postgres --single -D "$PGDATA" -j postgres >/dev/null
    echo "postgres-entrypoint: created the cluster, role $POSTGRES_USER and database $POSTGRES_DB"
fi
exec "$@"
