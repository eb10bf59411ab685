#!/usr/bin/env bash
# THE test command (CI's .ci/run runs exactly this). On a fresh Debian machine,
# as root: installs what the tests need, starts a throwaway PostgreSQL cluster,
# checks formatting and lints, and runs every test on SQLite and on PostgreSQL.
#
#   scripts/test.sh [ARGS…]   ARGS go to `cargo nextest run` (or `cargo test`),
#                             e.g. a test-name filter.
#
# Needs no TTY and no stdin. Never cleans target/, so reruns are incremental.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec </dev/null

stage() { printf '\n==== %s\n' "$*"; }
started=$SECONDS

# apt_install PKG…: installs Debian packages quietly; `apt-get update` runs once,
# only when something is to be installed. Prints apt's output only on failure.
apt_updated=
apt_install() {
  local log
  log=$(mktemp /tmp/tessera-apt.XXXXXX)
  export DEBIAN_FRONTEND=noninteractive
  if [[ -z "$apt_updated" ]]; then
    apt-get -o DPkg::Lock::Timeout=300 update -qq >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; return 1; }
    apt_updated=1
  fi
  echo "installing (apt): $*"
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$@" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; return 1; }
  rm -f "$log"
}

# --- dependency groups: one function each; add new ones here and call them below.

# PostgreSQL server and client (Debian's package), for the PostgreSQL backend.
install_postgres() {
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || apt_install postgresql
  pg_install # finds the bin dir, exports TESSERA_TEST_PG_BINDIR
}

# Python clients (MSAL, PyJWT) in a virtualenv under target/, from PyPI.
install_python_clients() {
  local venv=target/test-venv req=tests/clients/requirements.txt
  [[ -f "$req" ]] || return 0
  if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv" 2>/dev/null || {
      apt_install python3-venv
      python3 -m venv "$venv"
    }
  fi
  if ! cmp -s "$req" "$venv/.installed" 2>/dev/null; then
    echo "installing (pip): $req"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
    cp "$req" "$venv/.installed"
  fi
  TESSERA_TEST_PYTHON="$(pwd)/$venv/bin/python"
  export TESSERA_TEST_PYTHON
}

# Node clients (@azure/msal-node) from the npm registry, as locked; Node and
# npm themselves from Debian's packages when missing.
install_node_clients() {
  local dir=tests/clients/node missing=()
  [[ -f "$dir/package-lock.json" ]] || return 0
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  ((${#missing[@]} == 0)) || apt_install "${missing[@]}"
  # openid-client 6 needs Node 20 or later; Debian 12's nodejs is 18, too old
  # (install Node 20+ from elsewhere there, e.g. NodeSource).
  if ! node -e 'process.exit(parseInt(process.versions.node) >= 20 ? 0 : 1)'; then
    echo "scripts/test.sh: Node $(node --version) is too old for the Node test clients: Node 20 or later is needed" >&2
    return 1
  fi
  if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.tessera-installed" 2>/dev/null; then
    echo "installing (npm ci): $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --silent)
    cp "$dir/package-lock.json" "$dir/node_modules/.tessera-installed"
  fi
  TESSERA_TEST_NODE_CLIENTS="$(pwd)/$dir"
  export TESSERA_TEST_NODE_CLIENTS
}

# Headless Chromium for the pages (Debian's chromium, driven through its
# chromedriver by selenium), and certutil to make it trust the dev CA.
install_browser() {
  local missing=()
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  [[ -x /usr/bin/chromedriver ]] || missing+=(chromium-driver)
  command -v certutil >/dev/null || missing+=(libnss3-tools)
  ((${#missing[@]} == 0)) || apt_install "${missing[@]}"
  export TESSERA_TEST_CHROMIUM=/usr/bin/chromium
  export TESSERA_TEST_CHROMEDRIVER=/usr/bin/chromedriver
}

# A real DNS server the domain-verification tests publish TXT records with.
install_dns() {
  [[ -x /usr/sbin/dnsmasq ]] || apt_install dnsmasq-base
  export TESSERA_TEST_DNSMASQ=/usr/sbin/dnsmasq
}

# shellcheck source=scripts/pg.sh
source scripts/pg.sh lib

stage "system dependencies"
install_postgres
install_python_clients
install_node_clients
install_browser
install_dns

stage "PostgreSQL (throwaway cluster)"
# Stop the cluster however this script ends; INT/TERM go through the EXIT trap.
trap pg_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
pg_start
export TESSERA_TEST_BACKENDS=sqlite,postgres
echo "TESSERA_TEST_BACKENDS=$TESSERA_TEST_BACKENDS"
echo "TESSERA_TEST_POSTGRES_URL=$TESSERA_TEST_POSTGRES_URL"

# A fresh CI clone gains nothing from incremental compilation.
if [[ "${CI:-}" == "true" ]]; then
  export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
fi

stage "cargo fmt --all -- --check"
cargo fmt --all -- --check

stage "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

if cargo nextest --version >/dev/null 2>&1; then
  profile=default
  [[ "${CI:-}" == "true" ]] && profile=ci
  stage "tests: cargo nextest run --workspace --profile $profile (backends: $TESSERA_TEST_BACKENDS)"
  cargo nextest run --workspace --no-fail-fast --profile "$profile" "$@"
else
  stage "tests: cargo test --workspace (backends: $TESSERA_TEST_BACKENDS)"
  cargo test --workspace --no-fail-fast "$@"
fi

stage "all passed ($((SECONDS - started)) s)"
