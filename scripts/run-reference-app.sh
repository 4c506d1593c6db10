#!/usr/bin/env bash
# Serve the reference app under Gunicorn on 127.0.0.1, in development mode (plain HTTP,
# loopback clients only), on an SQLite database in the instance folder.
set -euo pipefail
port="${1:-8000}"
bin=.venv/bin
export FLASK_APP=reference_app
export FLASK_BASTION_MODE="${FLASK_BASTION_MODE:-development}"
# Links in mail (reset, confirmation) point here; the console mail backend logs them.
export FLASK_BASTION_EXTERNAL_URL="${FLASK_BASTION_EXTERNAL_URL:-http://127.0.0.1:${port}}"

"$bin/flask" db upgrade >/dev/null
cat <<MSG

  Bastion Notes runs on http://127.0.0.1:${port}/  (stop with Ctrl-C)

  Create the first admin in another terminal:
    $bin/flask --app reference_app bastion users create you@example.org --role admin

MSG
exec "$bin/gunicorn" --config deploy/gunicorn.conf.py --bind "127.0.0.1:${port}" \
  "reference_app:create_app()"
