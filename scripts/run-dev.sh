#!/usr/bin/env bash
# Start Naskah on the embedded default: migrate, load the demo tenants, start the task
# worker, the periodic scheduler and daphne, and print the demo logins. Ctrl-C (or SIGTERM to
# this script) stops all of them, each with its children.
set -euo pipefail
cd "$(dirname "$0")/.."
host=$1; port=$2; shift 2
export NASKAH_DEBUG=${NASKAH_DEBUG:-true}
# Links that leave the platform (e-mail, the letter's QR code) name the port served here.
export NASKAH_PUBLIC_PORT=${NASKAH_PUBLIC_PORT:-$port}
py=.venv/bin/python

var=${NASKAH_VAR_DIR:-var}
mkdir -p "$var"

# Each process runs in a process group of its own (job control), and stopping the script stops
# every group, children included (a child left behind, as the autoreloader's worker once was,
# would keep taking tasks). A worker in the middle of a task finishes it; after 20 s all stop.
set -m
tsa= worker= ocr_worker= scheduler= web=
stop() {
  trap '' INT TERM  # a second Ctrl-C must not leave the groups behind
  local groups=() pid
  for pid in $tsa $worker $ocr_worker $scheduler $web; do groups+=("-$pid"); done
  [ ${#groups[@]} = 0 ] && return 0
  kill -TERM -- "${groups[@]}" 2>/dev/null || true
  local alive
  for _ in $(seq 40); do
    alive=0
    for group in "${groups[@]}"; do kill -0 -- "$group" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.5
  done
  kill -KILL -- "${groups[@]}" 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The web server and the local timestamp authority (every signature gets its time from it:
# NASKAH_TSA_URL's default) start while the database is prepared: importing Django and the
# apps takes seconds, and nothing asks them for a page before the logins are printed.
$py -m core.server -b "$host" -p "$port" naskah.asgi:application >"$var/web.log" 2>&1 &
web=$!
$py scripts/pki_services.py --port "${NASKAH_TSA_PORT:-8790}" --dir "$var/pki" >"$var/tsa.log" 2>&1 &
tsa=$!

# One process prepares the demo (migrate, tenants, signing authorities, demo authenticators:
# signers and administrators confirm each login with a code, `manage.py demo_totp <username>`).
# Quiet: its lines go to a log, the terminal ends with the logins.
echo "Preparing the database and the demo tenants (log: $var/setup.log)..."
$py manage.py demo_setup "$@" --port "$port" --logins "$var/logins.txt" >"$var/setup.log" 2>&1 || {
  cat "$var/setup.log" >&2; exit 1; }

$py manage.py worker --queue-name default >"$var/worker.log" 2>&1 &
worker=$!
# Scans are read (OCR) by a worker of their own: a long scan never delays a notice.
$py manage.py worker --queue-name ocr >"$var/worker-ocr.log" 2>&1 &
ocr_worker=$!
$py manage.py run_periodic >"$var/scheduler.log" 2>&1 &
scheduler=$!
# The first page a newcomer opens is served warm: one request loads the templates and modules.
$py scripts/wait-ready.py "http://$host:$port" "medan.localhost:$port" || {
  tail -n 30 "$var/web.log" >&2; exit 1; }
echo "Task workers, periodic scheduler and timestamp authority running; logs in $var/ (web.log, worker.log, worker-ocr.log, scheduler.log, tsa.log)."
echo
cat "$var/logins.txt"
echo
echo "Signers sign electronically with their demo password as signing passphrase."
echo "Signers and administrators confirm each login with a code from their demo authenticator:"
echo "  .venv/bin/python manage.py demo_totp medan.head    (any demo username; prints the current code)"
echo
echo "Serving on http://$host:$port/ — open a tenant host, e.g. http://medan.localhost:$port/ or http://tangerang.localhost:$port/ (Ctrl-C stops everything)."
wait "$web"
