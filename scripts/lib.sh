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
