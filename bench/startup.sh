#!/usr/bin/env bash
# Start-up time and idle memory of `tessera serve`, beside node's oidc-provider
# measured in the same run (see bench/README.md).
#   start-up: wall time from spawn until the readiness URL answers 200
#             (Tessera: /readyz; peer: /.well-known/openid-configuration);
#             Tessera on a fresh data dir (first start, bootstraps) and on an
#             existing one (restart); median and p90 of RUNS runs each.
#   idle RSS: VmRSS and VmHWM from /proc/PID/status 5 s after it is ready.
# Usage: bench/startup.sh [PATH/TO/tessera] [RUNS]   (default target/release/tessera, 10)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib/common.sh
source "$here/lib/common.sh"
bin=${1:-$here/../target/release/tessera}
runs=${2:-10}
if [[ ! -x "$bin" ]]; then
  echo "bench/startup.sh: no tessera binary at $bin (run bench/run, or cargo build --release -p tessera)" >&2
  exit 1
fi
if ! [[ "$runs" =~ ^[0-9]+$ ]] || ((runs < 1 || runs > 100)); then
  echo "bench/startup.sh: RUNS must be 1..100" >&2
  exit 2
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
ensure_peer

work=$(mktemp -d /tmp/tessera-bench.XXXXXX)
mpid= # the running measure.py: it owns the server and stops it when told to
cleanup() {
  if [[ -n "$mpid" ]]; then
    kill "$mpid" 2>/dev/null || true
    wait "$mpid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# measure MODE URL LOG CMD…: runs measure.py (bounded: 30 s to ready, 10 s to
# stop); its one line of output goes to $work/out.
measure() {
  local mode=$1 url=$2 log=$3
  shift 3
  python3 "$here/lib/measure.py" "$mode" --url "$url" --log "$log" --timeout 30 --settle 5 -- "$@" >"$work/out" &
  mpid=$!
  wait "$mpid"
  mpid=
}

# tessera MODE DATA_DIR
tessera() {
  local port
  port=$(free_port)
  measure "$1" "http://127.0.0.1:$port/readyz" "$work/tessera.log" \
    "$bin" serve --listen "127.0.0.1:$port" --data-dir "$2"
}

# peer MODE
peer() {
  local port
  port=$(free_port)
  measure "$1" "http://127.0.0.1:$port/.well-known/openid-configuration" "$work/peer.log" \
    node "$here/peer/server.mjs" "$port"
}

echo "== start-up: tessera, $runs × (first start + restart)" >&2
first=() restart=()
for i in $(seq 1 "$runs"); do
  tessera startup "$work/data-$i"
  first+=("$(<"$work/out")")
  tessera startup "$work/data-$i"
  restart+=("$(<"$work/out")")
done
echo "== idle memory: tessera (5 s after ready; restart, then first start)" >&2
tessera rss "$work/data-1"
read -r t_rss t_hwm <"$work/out"
tessera rss "$work/data-fresh"
read -r t1_rss t1_hwm <"$work/out"

# The same over HTTPS (a `tessera dev-cert` certificate): TLS adds its own
# allocations at start.
"$bin" dev-cert --out "$work/certs" >/dev/null 2>&1
tessera_tls() {
  local port
  port=$(free_port)
  measure "$1" "https://localhost:$port/readyz" "$work/tessera.log" \
    "$bin" serve --listen "127.0.0.1:$port" --data-dir "$2" \
    --tls-cert "$work/certs/cert.pem" --tls-key "$work/certs/key.pem"
}
echo "== idle memory over HTTPS: tessera (first start, then restart)" >&2
tessera_tls rss "$work/data-tls"
read -r ts1_rss ts1_hwm <"$work/out"
tessera_tls rss "$work/data-tls"
read -r ts_rss ts_hwm <"$work/out"

echo "== start-up and idle memory: peer (node oidc-provider), $runs runs" >&2
peer_ms=()
for _ in $(seq 1 "$runs"); do
  peer startup
  peer_ms+=("$(<"$work/out")")
done
peer rss
read -r p_rss p_hwm <"$work/out"

stats() { printf '%s\n' "$@" | python3 "$here/lib/measure.py" stats; }
read -r first_med first_p90 < <(stats "${first[@]}")
read -r restart_med restart_p90 < <(stats "${restart[@]}")
read -r peer_med peer_p90 < <(stats "${peer_ms[@]}")

# verdict VALUE LIMIT: "met" when VALUE < LIMIT.
verdict() { awk -v v="$1" -v l="$2" 'BEGIN { print (v < l) ? "met" : "MISSED" }'; }

echo
echo "== start-up and idle memory: $("$bin" --version 2>/dev/null || echo tessera) (SQLite) vs node oidc-provider $(peer_version) (node $(node --version))"
echo "   $runs runs each, $(nproc) cores, $(date -u '+%F %H:%M UTC')"
echo "startup.first_start_ms median=$first_med p90=$first_p90   target <1000 ms: $(verdict "$first_p90" 1000)"
echo "startup.restart_ms median=$restart_med p90=$restart_p90   target <1000 ms: $(verdict "$restart_p90" 1000)"
echo "rss.idle_kib=$t_rss   target <20480 KiB: $(verdict "$t_rss" 20480)"
echo "rss.idle_hwm_kib=$t_hwm"
echo "rss.first_start.idle_kib=$t1_rss   target <20480 KiB: $(verdict "$t1_rss" 20480)"
echo "rss.first_start.idle_hwm_kib=$t1_hwm"
echo "rss.https.first_start.idle_kib=$ts1_rss   target <20480 KiB: $(verdict "$ts1_rss" 20480)"
echo "rss.https.idle_kib=$ts_rss   target <20480 KiB: $(verdict "$ts_rss" 20480)"
echo "peer.startup_ms median=$peer_med p90=$peer_p90"
echo "peer.rss.idle_kib=$p_rss"
echo "peer.rss.idle_hwm_kib=$p_hwm"
echo "ratio.startup.first_start=$(ratio "$first_med" "$peer_med")   (tessera median / peer median; below 1: tessera faster)"
echo "ratio.startup.restart=$(ratio "$restart_med" "$peer_med")"
echo "ratio.rss.idle=$(ratio "$t_rss" "$p_rss")   (tessera / peer; below 1: tessera smaller)"
echo "ratio.rss.idle_hwm=$(ratio "$t_hwm" "$p_hwm")"
