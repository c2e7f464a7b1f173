#!/usr/bin/env bash
# The delivery queue's throughput: deliveries per second one process's worker makes, on SQLite
# and on PostgreSQL, against nginx answering every request (see queue_drain.py).
#
#   bash bench/queue.sh            EVENTS=5000 WORKERS="8 32" by default
#
# Pins the worker process to CPU 0 and nginx to CPU 1 when there are two CPUs. Prints QUEUE lines;
# bench/RESULTS.md keeps the figures by hand.
set -euo pipefail
BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
EVENTS=${EVENTS:-5000}
WORKERS=${WORKERS:-"8 32"}
POSTGRES_URL=${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
WORK=$(mktemp -d)
trap 'kill $(cat "$WORK/nginx/nginx.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT

command -v nginx >/dev/null || { apt-get update -qq && apt-get install -y -qq nginx-light >/dev/null; }
SERVER_CPU=() LOAD_CPU=()
if (($(nproc) >= 2)); then SERVER_CPU=(taskset -c 0) LOAD_CPU=(taskset -c 1); fi

PORT=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/nginx/tmp"
sed "s/__PORT__/$PORT/" "$BENCH/nginx.conf" >"$WORK/nginx/nginx.conf"
"${LOAD_CPU[@]}" nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" &
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done

for workers in $WORKERS; do
    "${SERVER_CPU[@]}" "$PYTHON" "$BENCH/queue_drain.py" --data-dir "$WORK/sqlite-$workers" \
        --target "http://127.0.0.1:$PORT/contacts" --events "$EVENTS" --workers "$workers"
    database="switchboard_queue_bench_$$_$workers"
    psql -q "$POSTGRES_URL" -c "CREATE DATABASE $database"
    "${SERVER_CPU[@]}" "$PYTHON" "$BENCH/queue_drain.py" --data-dir "$WORK/pg-$workers" \
        --database "${POSTGRES_URL%/*}/$database" \
        --target "http://127.0.0.1:$PORT/contacts" --events "$EVENTS" --workers "$workers"
    psql -q "$POSTGRES_URL" -c "DROP DATABASE $database WITH (FORCE)"
done
