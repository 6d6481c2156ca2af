#!/usr/bin/env bash
# Install (Debian apt) and start a local PostgreSQL server on 127.0.0.1 for the store tests,
# with role and database `cmatch` (password `cmatch`). Idempotent; returns at once when the
# DSN already answers.
#
#   CMATCH_PG_DSN   postgresql://cmatch:cmatch@127.0.0.1:5432/cmatch (default)
#   CMATCH_PG_PORT  port of the cluster (default: the DSN's port, 5432)
#
# Uses Debian's cluster tooling (pg_createcluster / pg_ctlcluster), which works as root in a
# container without systemd. Set CMATCH_PG_SKIP=1 to do nothing (tests then skip, outside CI).
set -euo pipefail

DSN="${CMATCH_PG_DSN:-postgresql://cmatch:cmatch@127.0.0.1:5432/cmatch}"
PORT="${CMATCH_PG_PORT:-$(printf '%s' "$DSN" | sed -nE 's#.*@[^:/]+:([0-9]+)/.*#\1#p')}"
PORT="${PORT:-5432}"
CLUSTER="${CMATCH_PG_CLUSTER:-main}"

if [ "${CMATCH_PG_SKIP:-0}" = "1" ]; then
    echo "postgres: CMATCH_PG_SKIP=1, niet gestart"; exit 0
fi

# Fast path: already reachable with the test credentials.
if command -v psql >/dev/null 2>&1 && psql "$DSN" -qAtc 'SELECT 1' >/dev/null 2>&1; then
    exit 0
fi

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    if [ "$(id -u)" != "0" ]; then
        echo "postgres: PostgreSQL is niet geïnstalleerd en dit is geen root (apt-get install postgresql)" >&2; exit 1
    fi
    echo "postgres: installeren (apt)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq postgresql >/dev/null
fi

VERSION="$(ls /usr/lib/postgresql | sort -n | tail -1)"
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$VERSION $CLUSTER"; then
    pg_createcluster "$VERSION" "$CLUSTER" -p "$PORT" >/dev/null
fi
# Loopback only, on the port of the DSN.
CONF_DIR="/etc/postgresql/$VERSION/$CLUSTER"
pg_conftool "$VERSION" "$CLUSTER" remove listen_addresses >/dev/null 2>&1 || true
mkdir -p "$CONF_DIR/conf.d"
printf "# written by .ci/postgres.sh (Competentiematch tests)\nlisten_addresses = '127.0.0.1'\n" > "$CONF_DIR/conf.d/cmatch.conf"
pg_conftool "$VERSION" "$CLUSTER" set port "$PORT" >/dev/null
STATUS="$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c {print $4}')"
if [ "$STATUS" != "online" ]; then
    pg_ctlcluster "$VERSION" "$CLUSTER" start
fi
for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$PORT" && break
    sleep 0.5
done

as_postgres() { if [ "$(id -u)" = "0" ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi; }
as_postgres "psql -q -p $PORT -v ON_ERROR_STOP=1 -d postgres" <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cmatch') THEN
    CREATE ROLE cmatch LOGIN PASSWORD 'cmatch' CREATEDB;
  END IF;
END $$;
SELECT 'CREATE DATABASE cmatch OWNER cmatch' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'cmatch')\gexec
SQL

psql "$DSN" -qAtc 'SELECT 1' >/dev/null
echo "postgres: $VERSION/$CLUSTER luistert op 127.0.0.1:$PORT ($DSN)"
