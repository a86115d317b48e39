#!/usr/bin/env bash
# Make sure a Redis answers at $REDIS_HOST:$REDIS_PORT (default 127.0.0.1:6379),
# starting a throwaway one when none does. Exits 1 if none can be had.
set -u
host=${REDIS_HOST:-127.0.0.1}
port=${REDIS_PORT:-6379}
py=${PYTHON:-.venv/bin/python}

ping() {
  "$py" - "$host" "$port" <<'PY' >/dev/null 2>&1
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1)
s.sendall(b"PING\r\n")
sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
PY
}

ping && exit 0
if command -v redis-server >/dev/null 2>&1; then
  mkdir -p var
  echo "Redis does not answer on $host:$port; starting one."
  redis-server --daemonize yes --bind "$host" --port "$port" --save "" \
    --appendonly no --dir "$PWD/var" --logfile "$PWD/var/redis.log"
  for _ in 1 2 3 4 5 6 7 8 9 10; do ping && exit 0; sleep 0.5; done
fi
echo "No Redis on $host:$port and redis-server could not start one" \
  "(install it with: apt-get install redis-server)." >&2
exit 1
