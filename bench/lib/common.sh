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

# wait_url URL PID LOG: waits up to 30 s for a 200 on GET of URL while PID
# lives; if it dies first, shows the end of LOG.
wait_url() {
  local url=$1 pid=$2 log=$3
  for _ in $(seq 1 3000); do
    [[ $(curl -s -m 2 -o /dev/null -w '%{http_code}' "$url" || true) == 200 ]] && return 0
    kill -0 "$pid" 2>/dev/null || { echo "server exited before $url answered 200; its log:" >&2; tail -n 20 "$log" >&2; return 1; }
    sleep 0.01
  done
  echo "not ready within 30 s: $url" >&2; return 1
}
