#!/usr/bin/env bash
# Load test: the team work page of a 12-worker team holding 300 open cases, and the child's page
# of a child with ten years of history, over HTTP, SQLite, on this machine.
#
#   bench/casework-pages.sh [CHILDREN] [SECONDS] [CONNECTIONS]
#                                   (defaults: 20000 children, 30 s, 8 connections)
#
# Builds the release binaries, loads the demo authority into a fresh SQLite file, adds the
# benchmark team, its caseload and the long-history child (`casework_bench --prepare`), starts
# `cairn serve`, signs in as the team's manager and runs wrk on /team-work, then as one of its
# workers on the child's page. Every request is a real page: session lookup, the reads, the
# navigation counts and any audit row. Prints wrk's latency distribution and request rate. It
# asserts nothing about speed.
set -euo pipefail
cd "$(dirname "$0")/.."
CHILDREN=${1:-20000}
SECONDS_TO_RUN=${2:-30}
CONNECTIONS=${3:-8}
PORT=${CAIRN_BENCH_PORT:-18183}
PASSWORD=demo-password-123

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
[ -d web/node_modules ] || npm ci --prefix web
cargo build --release --locked -p cairn -p cairn-bench >/dev/null

work=$(mktemp -d /tmp/cairn-casework-pages.XXXXXX)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
export CAIRN_DATABASE_URL="$work/cairn.db" CAIRN_DEMO_PASSWORD=$PASSWORD
echo "Loading $CHILDREN demo children…"
./target/release/cairn demo --children "$CHILDREN"
child=$(./target/release/casework_bench "$work/cairn.db" "$CHILDREN" --prepare | awk '$1 == "child" { print $2 }')

CAIRN_LOG_FORMAT=json CAIRN_LISTEN=127.0.0.1:$PORT ./target/release/cairn serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

# Signs in the way a browser does (the sign-in form's token and cookie, then the form) and
# prints the session cookie's value.
sign_in() {
  local jar="$work/cookies-$1" page token
  page=$(curl -s -c "$jar" "http://127.0.0.1:$PORT/sign-in")
  token=$(printf '%s' "$page" | sed -n 's/.*name="signin_token" value="\([^"]*\)".*/\1/p' | head -n1)
  curl -s -b "$jar" -c "$jar" -o /dev/null -d "signin_token=$token&next=/&username=$1&password=$PASSWORD" "http://127.0.0.1:$PORT/sign-in"
  awk '$6 == "cairn_session" { print $7 }' "$jar"
}

measure() {
  local label=$1 session=$2 path=$3
  [ -n "$session" ] || { echo "sign-in failed"; exit 1; }
  cat >"$work/page.lua" <<LUA
request = function()
  return wrk.format("GET", "$path", { ["Cookie"] = "cairn_session=$session" })
end
LUA
  status=$(curl -s -o /dev/null -w '%{http_code}' -b "cairn_session=$session" "http://127.0.0.1:$PORT$path")
  echo "$label ($path answers $status)"
  wrk -t2 -c"$CONNECTIONS" -d5s -s "$work/page.lua" "http://127.0.0.1:$PORT" >/dev/null
  echo "Measuring for ${SECONDS_TO_RUN}s with $CONNECTIONS connections…"
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_TO_RUN}s" --latency -s "$work/page.lua" "http://127.0.0.1:$PORT"
}

measure "Team work, 12 workers, 300 open cases" "$(sign_in bench.manager)" /team-work
measure "The child's page, ten years of history" "$(sign_in bench.worker1)" "/people/$child"
grep -E 'VmHWM|VmRSS' "/proc/$server/status"
statuses=$(grep -o '"status":[0-9]*' "$work/server.log" | sort | uniq -c | tr '\n' ' ')
echo "Response statuses logged: $statuses"
