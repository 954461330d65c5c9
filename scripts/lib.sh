# shellcheck shell=bash
# Helpers shared by scripts/test and scripts/run. Source it; do not run it.

# Colour only on a terminal. (Some are used only by the scripts that source this file.)
# shellcheck disable=SC2034
if [[ -t 1 ]]; then
  BOLD=$'\e[1m' RED=$'\e[31m' GREEN=$'\e[32m' YELLOW=$'\e[33m' RESET=$'\e[0m'
else
  BOLD='' RED='' GREEN='' YELLOW='' RESET=''
fi

say() { printf '%s\n' "$*"; }
warn() { printf '%swarning:%s %s\n' "$YELLOW" "$RESET" "$*" >&2; }
die() {
  printf '%serror:%s %s\n' "$RED" "$RESET" "$*" >&2
  exit 1
}

# Seconds elapsed since a $EPOCHREALTIME value, with one decimal.
elapsed_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "this step needs root and sudo is not installed: $*"
  fi
}

# True if every named Debian package is installed.
have_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || return 1
  done
}

# apt-get install (update first, once per run), non-interactive, no recommends; waits for another
# apt/dpkg to finish instead of failing on its lock.
APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* yourself"
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=900)
  if ((APT_UPDATED == 0)); then
    say "apt-get update"
    as_root "${apt[@]}" update
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  as_root "${apt[@]}" install -y --no-install-recommends "$@"
}

# Installs web/node_modules with `npm ci` unless it is already installed from the current
# package.json, package-lock.json and .npmrc (a stamp file records them). Skipping matters: a
# reinstall rewrites every file, which makes cargo rebuild cairn-web and the binary.
# CAIRN_NPM_CI=1 forces a reinstall.
ensure_node_modules() {
  local root=$1
  command -v npm >/dev/null 2>&1 ||
    die "npm is not installed (Node.js 20 or later is needed to fetch the front-end packages): apt-get install nodejs npm"
  local stamp_file="$root/web/node_modules/.cairn-npm-ci-stamp" want
  want=$(cat "$root/web/package.json" "$root/web/package-lock.json" "$root/web/.npmrc" | sha256sum | cut -d' ' -f1)
  if [[ ${CAIRN_NPM_CI:-0} != 1 && -f $stamp_file && $(<"$stamp_file") == "$want" ]]; then
    say "web/node_modules matches web/package-lock.json; skipping npm ci (CAIRN_NPM_CI=1 forces it)"
    return 0
  fi
  # --prefix web reads web/.npmrc (legacy-peer-deps: skip MOJ's moment peer; engine-strict=false).
  npm ci --prefix "$root/web" --no-audit --no-fund
  printf '%s\n' "$want" >"$stamp_file"
}

# ---- SMTP test server ---------------------------------------------------------------------------

# The version of aiosmtpd scripts/smtp-test-server.py is written against.
SMTP_TEST_AIOSMTPD=1.4.6
SMTP_TEST_SERVER_PID=''

# Makes sure $root/target/smtp-venv is a Python venv with aiosmtpd installed (skipped when it
# already is). Debian ships `python3 -m venv` separately: python3-venv is installed if missing.
ensure_smtp_venv() {
  local root=$1 venv="$1/target/smtp-venv"
  if [[ -x $venv/bin/python ]] &&
    "$venv/bin/python" -c "import sys, aiosmtpd; sys.exit(aiosmtpd.__version__ != '$SMTP_TEST_AIOSMTPD')" 2>/dev/null; then
    say "aiosmtpd $SMTP_TEST_AIOSMTPD is installed in $venv"
    return 0
  fi
  command -v python3 >/dev/null 2>&1 || apt_install python3
  rm -rf "$venv" # a venv from another Python, or half made: start again
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    rm -rf "$venv"
    apt_install python3-venv
    python3 -m venv "$venv" || die "python3 -m venv $venv failed even with python3-venv installed"
  fi
  say "pip install aiosmtpd==$SMTP_TEST_AIOSMTPD into $venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "aiosmtpd==$SMTP_TEST_AIOSMTPD" ||
    die "could not install aiosmtpd $SMTP_TEST_AIOSMTPD from PyPI"
}

# Starts scripts/smtp-test-server.py on a free port of 127.0.0.1 with a fresh maildir under
# $tmp, waits until it answers, and exports CAIRN_TEST_SMTP_PORT and CAIRN_TEST_SMTP_DIR for the
# Rust tests. Call stop_smtp_test_server on exit.
ensure_smtp_test_server() {
  local root=$1 tmp=$2 log line i
  ensure_smtp_venv "$root"
  local maildir="$tmp/smtp-mail"
  log="$tmp/smtp-test-server.log"
  mkdir -p "$maildir"
  "$root/target/smtp-venv/bin/python" "$root/scripts/smtp-test-server.py" "$maildir" >"$log" 2>&1 &
  SMTP_TEST_SERVER_PID=$!
  for ((i = 0; i < 100; i++)); do
    line=$(grep -m1 '^ready [0-9][0-9]*$' "$log" 2>/dev/null || true)
    [[ -n $line ]] && break
    kill -0 "$SMTP_TEST_SERVER_PID" 2>/dev/null || break
    sleep 0.2
  done
  if [[ -z $line ]]; then
    cat "$log" >&2 || true
    stop_smtp_test_server
    die "the SMTP test server did not start (log above)"
  fi
  export CAIRN_TEST_SMTP_PORT=${line#ready }
  export CAIRN_TEST_SMTP_DIR=$maildir
  say "SMTP test server (pid $SMTP_TEST_SERVER_PID) on 127.0.0.1:$CAIRN_TEST_SMTP_PORT, messages in $CAIRN_TEST_SMTP_DIR"
}

stop_smtp_test_server() {
  if [[ -n ${SMTP_TEST_SERVER_PID:-} ]]; then
    kill "$SMTP_TEST_SERVER_PID" 2>/dev/null || true
    wait "$SMTP_TEST_SERVER_PID" 2>/dev/null || true
    SMTP_TEST_SERVER_PID=''
  fi
}
