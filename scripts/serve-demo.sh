#!/usr/bin/env bash
# Serve the demo store on 127.0.0.1:8000. When Redis answers (or can be
# started), a Celery worker runs beside the web server and tasks go through
# it; otherwise they run eagerly in-process.
set -u
py=${PYTHON:-.venv/bin/python}
if PYTHON="$py" scripts/ensure-redis.sh; then
  export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
  echo "Celery worker: on (broker $REDIS_URL)"
  "$py" -m celery -A shop worker --loglevel=INFO --concurrency=1 \
    -Q ai_assist.interactive,ai_assist.batch,celery >var/celery.log 2>&1 &
  worker=$!
  trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
else
  echo "Celery worker: off (no Redis); tasks run in-process."
fi
"$py" manage.py runserver 127.0.0.1:8000
