#!/usr/bin/env bash
# `make bench`: install what the benchmark needs (wrk, its own venv in bench/.venv, Redis if it
# is missing and can be started), then run bench/run.py and bench/growth.py (PostgreSQL).
# BENCH_QUICK=1 makes a smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=bench/.venv
PYTHON=${PYTHON:-python3}

if ! command -v wrk >/dev/null 2>&1; then
  echo "Installing wrk (apt-get)"
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
fi
if [ ! -f "$VENV/.installed" ] || [ bench/requirements.txt -nt "$VENV/.installed" ] \
    || [ pyproject.toml -nt "$VENV/.installed" ]; then
  "$VENV/bin/pip" install --quiet -r bench/requirements.txt
  touch "$VENV/.installed"
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! port_open 6379 && command -v redis-server >/dev/null 2>&1; then
  echo "Starting Redis on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  sleep 1
fi

"$VENV/bin/python" -m bench.run
# Growth: auth with 1,000 and 1,000,000 session and audit rows in PostgreSQL.
exec "$VENV/bin/python" -m bench.growth
