#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL 15 server on a free loopback port.
# Exports DATABASE_URL (an empty database) and removes the cluster afterwards.
set -euo pipefail
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$PG_BIN/pg_ctl" ] || { echo "PostgreSQL server binaries not found (set PG_BIN)" >&2; exit 1; }
PY=${PYTHON:-$(dirname "$0")/../.venv/bin/python}
work=$(mktemp -d)
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$work"   # the server refuses to run as root
  as_pg=(runuser -u postgres --)
fi
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
stop() {
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop EXIT
"${as_pg[@]}" "$PG_BIN/initdb" -D "$work/data" -U postgres -A trust -E UTF8 --no-sync >/dev/null
"${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$work/data" -w -l "$work/server.log" start \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $work -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${PG_EXTRA_OPTIONS:-}" >/dev/null
"$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres clientele
export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/clientele"
echo "PostgreSQL ready on 127.0.0.1:$port"
"$@"
