#!/usr/bin/env bash
# Serve the demo store on 127.0.0.1:8000. When Redis answers (or can be
# started), a Celery worker runs beside the web server and tasks go through
# it; otherwise they run eagerly in-process.
set -u
mkdir -p var
py=${PYTHON:-.venv/bin/python}
if PYTHON="$py" scripts/ensure-redis.sh; then
  export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
  echo "Celery workers: on (broker $REDIS_URL; logs in var/celery-*.log)"
  # Chat replies get a worker of their own, so a banner or index rebuild
  # never makes a shopper wait.
  "$py" -m celery -A shop worker --loglevel=INFO --concurrency=1 -n chat@%h \
    -Q ai_assist.interactive >var/celery-chat.log 2>&1 &
  chat=$!
  "$py" -m celery -A shop worker --loglevel=INFO --concurrency=1 -n batch@%h \
    -Q ai_assist.batch,celery >var/celery-batch.log 2>&1 &
  batch=$!
  "$py" -m celery -A shop beat --loglevel=INFO \
    --schedule var/celerybeat-schedule >var/celery-beat.log 2>&1 &
  beat=$!
  trap 'kill $chat $batch $beat 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
else
  echo "Celery worker: off (no Redis); tasks run in-process."
fi
"$py" manage.py runserver 127.0.0.1:8000
