#!/usr/bin/env bash
# Start Naskah on the embedded default: migrate, load the demo tenants, start the task
# worker, the periodic scheduler and daphne, and print the demo logins. Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
host=$1; port=$2; shift 2
export NASKAH_DEBUG=${NASKAH_DEBUG:-true}
py=.venv/bin/python

mkdir -p var
$py manage.py migrate --noinput
$py manage.py load_tenant "$@"
$py manage.py init_signing_ca
$py manage.py demo_logins --port "$port" "$@"

$py manage.py db_worker --queue-name default >var/worker.log 2>&1 &
worker=$!
$py manage.py run_periodic >var/scheduler.log 2>&1 &
scheduler=$!
trap 'kill $worker $scheduler 2>/dev/null || true' EXIT INT TERM
echo
echo "Task worker and periodic scheduler running (logs: var/worker.log, var/scheduler.log). Serving on http://$host:$port/ with daphne."
echo "Open a tenant host, e.g. http://medan.localhost:$port/ or http://tangerang.localhost:$port/"
.venv/bin/daphne -b "$host" -p "$port" naskah.asgi:application
