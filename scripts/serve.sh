#!/usr/bin/env bash
# Start one Naskah process: `web [port]` (daphne with a body limit, HTTP + WebSockets), `worker` (background
# tasks) or `scheduler` (periodic jobs). Used by the Docker image, the compose file and the
# multi-process tests; run as many web and worker processes as the load needs, all against the
# same PostgreSQL and Redis (see docs/deploy.md, "Scaling out").
set -euo pipefail
cd "$(dirname "$0")/.."
py=python
[ -x .venv/bin/python ] && py=.venv/bin/python

case "${1:-}" in
  web)
    exec "$py" -m core.server --bind "${NASKAH_BIND:-0.0.0.0}" --port "${2:-8000}" --proxy-headers \
      naskah.asgi:application ;;
  worker)
    # NASKAH_WORKER_QUEUES=ocr (or default) splits the reading of scans onto workers of its own.
    exec "$py" manage.py worker --queue-name "${NASKAH_WORKER_QUEUES:-default,ocr}" \
      --interval "${NASKAH_WORKER_INTERVAL:-1}" ;;
  scheduler)
    exec "$py" manage.py run_periodic ;;
  *)
    echo "usage: $0 web [port] | worker | scheduler" >&2
    exit 2 ;;
esac
