#!/usr/bin/env bash
# Load test: the chronology tab of a child with 5,000 entries, and search in case notes (across
# every record and within that child's record) over many notes, over HTTP, SQLite, on this
# machine.
#
#   bench/recording-pages.sh [CHILDREN] [NOTES] [SECONDS] [CONNECTIONS]
#                                   (defaults: 20000 children, 1000000 notes, 30 s, 8 connections)
#
# Builds the binaries (release; CAIRN_BENCH_PROFILE=debug for a quick check of the script),
# loads the demo authority into a fresh SQLite file, gives the child with the longest
# chronology 5,000 entries and adds case notes up to NOTES (`recording_bench --prepare`),
# starts `cairn serve`, signs in as the demo social worker and runs wrk on each page. Every
# request is a real page: session lookup, the reads, the navigation counts and the audit row.
# Prints wrk's latency distribution and request rate. It asserts nothing about speed.
set -euo pipefail
cd "$(dirname "$0")/.."
CHILDREN=${1:-20000}
NOTES=${2:-1000000}
SECONDS_TO_RUN=${3:-30}
CONNECTIONS=${4:-8}
PORT=${CAIRN_BENCH_PORT:-18184}
PROFILE=${CAIRN_BENCH_PROFILE:-release}
PASSWORD=demo-password-123

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
[ -d web/node_modules ] || npm ci --prefix web
if [ "$PROFILE" = release ]; then
  cargo build --release --locked -p cairn -p cairn-bench >/dev/null
else
  cargo build --locked -p cairn -p cairn-bench >/dev/null
fi
bin=./target/$PROFILE

work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-recording-pages.XXXXXX")
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
export CAIRN_DATABASE_URL="$work/cairn.db" CAIRN_DEMO_PASSWORD=$PASSWORD
echo "Loading $CHILDREN demo children…"
"$bin/cairn" demo --children "$CHILDREN"
echo "Adding the long chronology and case notes up to $NOTES…"
child=$("$bin/recording_bench" --prepare --notes "$NOTES" "$work/cairn.db" "$CHILDREN" | awk '$1 == "child" { print $2 }')
[ -n "$child" ] || { echo "no benchmark child"; exit 1; }

CAIRN_LOG_FORMAT=json CAIRN_LISTEN=127.0.0.1:$PORT "$bin/cairn" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

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
  echo
  echo "$label ($path answers $status)"
  wrk -t2 -c"$CONNECTIONS" -d5s -s "$work/page.lua" "http://127.0.0.1:$PORT" >/dev/null
  echo "Measuring for ${SECONDS_TO_RUN}s with $CONNECTIONS connections…"
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_TO_RUN}s" --latency -s "$work/page.lua" "http://127.0.0.1:$PORT"
}

session=$(sign_in social.worker)
measure "Chronology tab, 5,000 entries, first page" "$session" "/people/$child/chronology"
measure "Search every record, a common word" "$session" "/notes/search?q=school"
measure "Search every record, a rare word" "$session" "/notes/search?q=xylophone"
measure "Search one child's notes, a common word" "$session" "/people/$child/notes/search?q=school"
echo
echo "The whole chronology as a PDF, once:"
curl -s -o "$work/chronology.pdf" -w '%{http_code} in %{time_total} s, %{size_download} bytes\n' \
  -b "cairn_session=$session" "http://127.0.0.1:$PORT/people/$child/chronology.pdf"
grep -E 'VmHWM|VmRSS' "/proc/$server/status"
statuses=$(grep -o '"status":[0-9]*' "$work/server.log" | sort | uniq -c | tr '\n' ' ')
echo "Response statuses logged: $statuses"
