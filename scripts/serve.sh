#!/usr/bin/env bash
# Serves the bot on the embedded default (SQLite under var/): action server on 5055, Rasa
# server on 5005 (REST, socket.io) and the web app on 8000 (chat widget and its demo page).
# Ctrl-C stops all of it. Ports and URLs: CONTRACT.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 PYTHONWARNINGS=ignore
export DATABASE_URL="${DATABASE_URL:-sqlite:///var/intake.db}"
export TRACKER_STORE_URL="${TRACKER_STORE_URL:-sqlite:///var/tracker.db}"
RASA_PORT="${RASA_PORT:-5005}" ACTIONS_PORT="${ACTIONS_PORT:-5055}"
WEB_PORT="${WEB_PORT:-8000}"
# pages allowed to embed the chat widget (the web app's CORS, the socket.io channel's origins)
export WIDGET_ORIGINS="${WIDGET_ORIGINS:-http://localhost:${WEB_PORT} http://127.0.0.1:${WEB_PORT}}"
# where the widget's browser finds Rasa's socket.io (unset: the web app's host on 5005)
[ "$RASA_PORT" = 5005 ] || export WIDGET_SOCKET_URL="${WIDGET_SOCKET_URL:-http://localhost:${RASA_PORT}}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://127.0.0.1:${ACTIONS_PORT}/webhook}"
CORS_ORIGINS="${CORS_ORIGINS:-http://localhost:8000 http://127.0.0.1:8000}"
mkdir -p var
.venv/bin/python -m bot db-upgrade
.venv/bin/python -m bot flush-outbox
.venv/bin/python -m bot endpoints --out var/endpoints.yml >/dev/null

pids=()
stop() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop INT TERM EXIT

# the action server answers on this machine only; Rasa's HTTP API needs the token in
# var/rasa_api_token (or RASA_API_TOKEN) and answers on this machine only (rasa_server.py)
SANIC_HOST=127.0.0.1 .venv/bin/rasa run actions --actions actions --port "$ACTIONS_PORT" &
pids+=($!)
# shellcheck disable=SC2086
.venv/bin/python -m bot.rasa_plugins.rasa_server run --enable-api --port "$RASA_PORT" --model models/intake.tar.gz \
  --endpoints var/endpoints.yml --credentials credentials.yml --cors $CORS_ORIGINS &
pids+=($!)
# the web app: chat widget and its demo page (bot/web)
.venv/bin/python -m bot web --port "$WEB_PORT" &
pids+=($!)

for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:${RASA_PORT}/" >/dev/null 2>&1 && break
  sleep 1
done
cat <<MSG

Intake bot is running (Ctrl-C stops it):
  Rasa REST channel    http://localhost:${RASA_PORT}/webhooks/rest/webhook
  Rasa socket.io       http://localhost:${RASA_PORT}/socket.io
  Chat widget demo     http://localhost:${WEB_PORT}/   (the tag: http://localhost:${WEB_PORT}/widget.js)
  Staff review         http://localhost:${WEB_PORT}/staff   (accounts: python -m bot staff add-user EMAIL --role admin)
  Action server        http://localhost:${ACTIONS_PORT}/webhook
  Intake database      ${DATABASE_URL}
Try: curl -s localhost:${RASA_PORT}/webhooks/rest/webhook -d '{"sender":"me","message":"my neck hurts"}'

MSG
wait -n "${pids[@]}"
