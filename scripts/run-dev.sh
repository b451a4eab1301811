#!/usr/bin/env bash
# Start Naskah on the embedded default: migrate, load the demo tenants, start the task
# worker, the periodic scheduler and daphne, and print the demo logins. Ctrl-C (or SIGTERM to
# this script) stops all of them, each with its children.
set -euo pipefail
cd "$(dirname "$0")/.."
host=$1; port=$2; shift 2
export NASKAH_DEBUG=${NASKAH_DEBUG:-true}
py=.venv/bin/python

var=${NASKAH_VAR_DIR:-var}
mkdir -p "$var"
$py manage.py migrate --noinput
$py manage.py load_tenant "$@"
$py manage.py init_signing_ca
$py manage.py demo_logins --port "$port" "$@"

# Each background process runs in a process group of its own (job control), and stopping the
# script stops the whole group: the worker runs under Django's autoreloader, whose child (the
# real worker) would outlive a signal sent to the PID started here.
set -m
$py manage.py worker --queue-name default >"$var/worker.log" 2>&1 &
worker=$!
$py manage.py run_periodic >"$var/scheduler.log" 2>&1 &
scheduler=$!
web=
stop() {
  kill -TERM -- "-$worker" "-$scheduler" ${web:+"-$web"} 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
echo
echo "Task worker and periodic scheduler running (logs: $var/worker.log, $var/scheduler.log). Serving on http://$host:$port/ with daphne."
echo "Open a tenant host, e.g. http://medan.localhost:$port/ or http://tangerang.localhost:$port/"
$py -m naskah.server -b "$host" -p "$port" naskah.asgi:application &
web=$!
wait "$web"
