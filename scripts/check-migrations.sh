#!/usr/bin/env bash
# The committed migrations build the schema from nothing and match the models exactly.
# Uses DATABASE_URL when set (an empty PostgreSQL database), else a fresh SQLite file.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=""
if [ -z "${DATABASE_URL:-}" ]; then
  scratch=$(mktemp -d)
  export DATABASE_URL="sqlite:///$scratch/check.db"
fi
trap '[ -n "$scratch" ] && rm -rf "$scratch"' EXIT
export SECRET_KEY=check DATA_KEY=check
.venv/bin/flask --app app db upgrade >/dev/null
.venv/bin/flask --app app db check
.venv/bin/flask --app app db downgrade base >/dev/null
.venv/bin/flask --app app db upgrade >/dev/null
echo "migrations: upgrade, check, downgrade and upgrade again passed on ${DATABASE_URL%%:*}"
