# shellcheck shell=bash
# Helpers shared by the bench scripts (sourced, not run).

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# free_port: prints a TCP port on 127.0.0.1 that is free right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# need_cmd CMD PKG: installs Debian's PKG when CMD is missing.
need_cmd() {
  command -v "$1" >/dev/null && return 0
  echo "== installing $2 (apt)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq </dev/null >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$2" </dev/null >/dev/null
}

# ensure_peer: installs bench/peer's node_modules from its package-lock.json
# (npm ci) unless they are installed from this very lock already.
ensure_peer() {
  local peer="$bench_dir/peer"
  if ! cmp -s "$peer/package-lock.json" "$peer/node_modules/.bench-installed" 2>/dev/null; then
    # npm's argon2 builds its native addon from source (its prebuilt binary
    # does not load on Debian's node).
    need_cmd make make
    need_cmd g++ g++
    echo "== installing the peer: oidc-provider from npm (npm ci in bench/peer)" >&2
    (cd "$peer" && npm ci --no-audit --no-fund --silent </dev/null)
    cp "$peer/package-lock.json" "$peer/node_modules/.bench-installed"
  fi
}

# peer_version: the installed oidc-provider version.
peer_version() {
  node -p "require('$bench_dir/peer/node_modules/oidc-provider/package.json').version"
}

# ratio A B: A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# stop_pid PID: SIGTERM, then SIGKILL after 10 s; reaps it if it is our child.
stop_pid() {
  local pid=$1
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}
