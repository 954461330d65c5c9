#!/usr/bin/env bash
# Load test: the person page over HTTP, 32 concurrent clients, SQLite, on this machine.
#
#   bench/person-page.sh [CHILDREN] [SECONDS]      (defaults: 100000 children, 30 s)
#
# Builds the release binary, loads the demo authority into a fresh SQLite file, starts
# `cairn serve`, signs in as the demo social worker, then runs wrk with 32 connections over a
# rotating list of 2,000 people's pages. Every request is a real page view: session lookup,
# the record read, and its audit row written. Prints wrk's latency distribution, the request
# rate, the server's peak and final resident memory, and the audit rows written. It asserts
# nothing about speed.
set -euo pipefail
cd "$(dirname "$0")/.."
CHILDREN=${1:-100000}
SECONDS_TO_RUN=${2:-30}
PORT=${CAIRN_BENCH_PORT:-18181}
PASSWORD=demo-password-123

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
[ -d web/node_modules ] || npm ci --prefix web
cargo build --release --locked -p cairn >/dev/null

work=$(mktemp -d /tmp/cairn-person-page.XXXXXX)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
export CAIRN_DATABASE_URL="$work/cairn.db" CAIRN_DEMO_PASSWORD=$PASSWORD
echo "Loading $CHILDREN demo children…"
./target/release/cairn demo --children "$CHILDREN"

CAIRN_LOG_FORMAT=json CAIRN_LISTEN=127.0.0.1:$PORT ./target/release/cairn serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

# Sign in the way a browser does: the sign-in form's token and cookie, then the form.
jar="$work/cookies"
page=$(curl -s -c "$jar" "http://127.0.0.1:$PORT/sign-in")
token=$(printf '%s' "$page" | sed -n 's/.*name="signin_token" value="\([^"]*\)".*/\1/p' | head -n1)
curl -s -b "$jar" -c "$jar" -o /dev/null -d "signin_token=$token&next=/&username=social.worker&password=$PASSWORD" "http://127.0.0.1:$PORT/sign-in"
session=$(awk '$6 == "cairn_session" { print $7 }' "$jar")
[ -n "$session" ] || { echo "sign-in failed"; exit 1; }

python3 - "$work/cairn.db" "$work/ids.lua" <<'PY'
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute(
    "SELECT id FROM people WHERE kind = 'child' ORDER BY local_id LIMIT 2000").fetchall()
with open(sys.argv[2], "w") as f:
    f.write("ids = {" + ",".join('"%s"' % r[0] for r in rows) + "}\n")
PY
cat >>"$work/ids.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/people/" .. ids[(n % #ids) + 1], { ["Cookie"] = "cairn_session=" .. session })
end
LUA
sed -i "1i session = \"$session\"" "$work/ids.lua"

before=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from audit_log').fetchone()[0])" "$work/cairn.db")
echo "Warming up…"
wrk -t2 -c32 -d5s -s "$work/ids.lua" "http://127.0.0.1:$PORT" >/dev/null
echo "Measuring for ${SECONDS_TO_RUN}s with 32 connections…"
wrk -t2 -c32 -d"${SECONDS_TO_RUN}s" --latency -s "$work/ids.lua" "http://127.0.0.1:$PORT"
after=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from audit_log').fetchone()[0])" "$work/cairn.db")
grep -E 'VmHWM|VmRSS' "/proc/$server/status"
echo "Audit rows written during warm-up and run: $((after - before))"
statuses=$(grep -o '"status":[0-9]*' "$work/server.log" | sort | uniq -c | tr '\n' ' ')
echo "Response statuses logged: $statuses"
