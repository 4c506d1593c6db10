#!/usr/bin/env bash
# Start PostgreSQL and Redis on loopback if they are not already running.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! port_open 5432 && command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "Starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
fi
if ! port_open 6379 && command -v redis-server >/dev/null 2>&1; then
  echo "Starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
fi
for _ in $(seq 1 30); do
  port_open 5432 && port_open 6379 && exit 0
  sleep 1
done
echo "PostgreSQL (5432) or Redis (6379) is still not reachable on 127.0.0.1." >&2
exit 1
