#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what it needs, starts
# PostgreSQL, checks formatting and lints, and runs every test on SQLite and
# on PostgreSQL. Usage: scripts/test.sh [extra nextest/cargo test args]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

stage() { printf '\n==== %s\n' "$*"; }

# One function per group of dependencies; later issues add theirs.
install_postgres() { pg_install; }

# Python clients (MSAL, PyJWT) in a virtualenv under target/, from PyPI.
install_python_clients() {
  local venv=target/test-venv
  if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
  fi
  if ! cmp -s tests/clients/requirements.txt "$venv/.installed" 2>/dev/null; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/clients/requirements.txt
    cp tests/clients/requirements.txt "$venv/.installed"
  fi
  TESSERA_TEST_PYTHON="$(pwd)/$venv/bin/python"
  export TESSERA_TEST_PYTHON
}

# Node clients (@azure/msal-node) from the npm registry, as locked.
install_node_clients() {
  local dir=tests/clients/node
  if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.tessera-installed" 2>/dev/null; then
    (cd "$dir" && npm ci --no-audit --no-fund --silent)
    cp "$dir/package-lock.json" "$dir/node_modules/.tessera-installed"
  fi
  TESSERA_TEST_NODE_CLIENTS="$(pwd)/$dir"
  export TESSERA_TEST_NODE_CLIENTS
}

stage "system dependencies"
# shellcheck source=scripts/pg.sh
source scripts/pg.sh
install_postgres
install_python_clients
install_node_clients

stage "PostgreSQL"
pg_start
trap pg_stop EXIT
export TESSERA_TEST_BACKENDS=sqlite,postgres

stage "cargo fmt --check"
cargo fmt --all -- --check

stage "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

stage "tests (SQLite and PostgreSQL)"
if cargo nextest --version >/dev/null 2>&1; then
  profile=default
  [[ "${CI:-}" == "true" ]] && profile=ci
  cargo nextest run --workspace --no-fail-fast --profile "$profile" "$@"
else
  cargo test --workspace --no-fail-fast "$@"
fi
