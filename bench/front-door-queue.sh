#!/usr/bin/env bash
# Load test: the screening queue over HTTP with 5,000 contacts waiting, 32 concurrent
# clients (or as many as given), SQLite, on this machine.
#
#   bench/front-door-queue.sh [CHILDREN] [SECONDS] [CONNECTIONS]
#                                   (defaults: 100000 children, 30 s, 32 connections)
#
# Builds the release binaries, loads the demo authority into a fresh SQLite file (a year of
# about 30,000 contacts at 100,000 children), tops the queue up to 5,000 contacts waiting for
# screening (`front_door_bench --prepare`), starts `cairn serve`, signs in as the demo
# front-door practitioner, then runs wrk (32 connections by default) over the queue's 100 pages of 50
# in rotation. Every request is a real page: session lookup, the page read (contacts, their
# children, claim holders) and its audit row written. Prints wrk's latency distribution, the
# request rate and the server's memory. It asserts nothing about speed.
set -euo pipefail
cd "$(dirname "$0")/.."
CHILDREN=${1:-100000}
SECONDS_TO_RUN=${2:-30}
CONNECTIONS=${3:-32}
PORT=${CAIRN_BENCH_PORT:-18182}
PASSWORD=demo-password-123

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
[ -d web/node_modules ] || npm ci --prefix web
cargo build --release --locked -p cairn -p cairn-bench >/dev/null

work=$(mktemp -d /tmp/cairn-front-door-queue.XXXXXX)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
export CAIRN_DATABASE_URL="$work/cairn.db" CAIRN_DEMO_PASSWORD=$PASSWORD
echo "Loading $CHILDREN demo children…"
./target/release/cairn demo --children "$CHILDREN"
./target/release/front_door_bench "$work/cairn.db" "$CHILDREN" --prepare

CAIRN_LOG_FORMAT=json CAIRN_LISTEN=127.0.0.1:$PORT ./target/release/cairn serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

# Sign in the way a browser does: the sign-in form's token and cookie, then the form.
jar="$work/cookies"
page=$(curl -s -c "$jar" "http://127.0.0.1:$PORT/sign-in")
token=$(printf '%s' "$page" | sed -n 's/.*name="signin_token" value="\([^"]*\)".*/\1/p' | head -n1)
curl -s -b "$jar" -c "$jar" -o /dev/null -d "signin_token=$token&next=/&username=frontdoor&password=$PASSWORD" "http://127.0.0.1:$PORT/sign-in"
session=$(awk '$6 == "cairn_session" { print $7 }' "$jar")
[ -n "$session" ] || { echo "sign-in failed"; exit 1; }
rows=$(curl -s -b "cairn_session=$session" "http://127.0.0.1:$PORT/queue" | grep -c 'href="/contacts/' || true)
echo "The first queue page lists $rows contacts"

cat >"$work/queue.lua" <<LUA
session = "$session"
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/queue?page=" .. ((n % 100) + 1), { ["Cookie"] = "cairn_session=" .. session })
end
LUA

echo "Warming up…"
wrk -t2 -c"$CONNECTIONS" -d5s -s "$work/queue.lua" "http://127.0.0.1:$PORT" >/dev/null
echo "Measuring for ${SECONDS_TO_RUN}s with $CONNECTIONS connections…"
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_TO_RUN}s" --latency -s "$work/queue.lua" "http://127.0.0.1:$PORT"
grep -E 'VmHWM|VmRSS' "/proc/$server/status"
statuses=$(grep -o '"status":[0-9]*' "$work/server.log" | sort | uniq -c | tr '\n' ' ')
echo "Response statuses logged: $statuses"
