#!/usr/bin/env bash
# Start-up time and idle memory of `tessera serve`, beside node's oidc-provider.
#   start-up: wall time from spawn until the readiness URL answers 200
#             (Tessera: /readyz; peer: /.well-known/openid-configuration),
#             first start on an empty data dir (Tessera bootstraps) and restart.
#   idle RSS: VmRSS and VmHWM of the process 5 s after it is ready.
# Usage: bench/startup.sh PATH/TO/tessera [RUNS]
set -euo pipefail
bin=${1:?usage: bench/startup.sh PATH/TO/tessera [RUNS]}
runs=${2:-10}
peer_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/peer"
work=$(mktemp -d /tmp/tessera-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

now_ns() { date +%s%N; }

# wait_ready URL PID: polls every 2 ms for up to 30 s; prints elapsed ms since $t0.
wait_ready() {
  local url=$1 pid=$2 deadline=$(( $(now_ns) + 30000000000 ))
  while (( $(now_ns) < deadline )); do
    if ! kill -0 "$pid" 2>/dev/null; then echo "process $pid died" >&2; return 1; fi
    if [[ $(curl -s -o /dev/null -w '%{http_code}' "$url" || true) == 200 ]]; then
      echo $(( ($(now_ns) - t0) / 1000000 ))
      return 0
    fi
    sleep 0.002
  done
  echo "not ready within 30 s: $url" >&2
  return 1
}

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# start_tessera DATA_DIR PORT: starts it in the background, sets $pid.
start_tessera() {
  "$bin" serve --listen "127.0.0.1:$2" --data-dir "$1" >/dev/null 2>&1 &
  pid=$!
  pids+=("$pid")
}

start_peer() {
  node "$peer_dir/server.mjs" "$1" >/dev/null 2>&1 &
  pid=$!
  pids+=("$pid")
}

stats() { # prints "median p90" of the numbers on stdin
  sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; p=a[int(NR*0.9+0.999)]; if (p=="") p=a[NR]; print m, p}'
}

rss_of() { awk '/^VmRSS/ {r=$2} /^VmHWM/ {h=$2} END {print r, h}' "/proc/$1/status"; }

# --- Tessera -----------------------------------------------------------------
first=() restart=()
for i in $(seq 1 "$runs"); do
  dir="$work/t$i"; port=$(free_port)
  t0=$(now_ns); start_tessera "$dir" "$port"
  first+=("$(wait_ready "http://127.0.0.1:$port/readyz" "$pid")"); stop "$pid"
  port=$(free_port)
  t0=$(now_ns); start_tessera "$dir" "$port"
  restart+=("$(wait_ready "http://127.0.0.1:$port/readyz" "$pid")"); stop "$pid"
done
read -r t_first_med t_first_p90 < <(printf '%s\n' "${first[@]}" | stats)
read -r t_restart_med t_restart_p90 < <(printf '%s\n' "${restart[@]}" | stats)

port=$(free_port); t0=$(now_ns); start_tessera "$work/t1" "$port"
wait_ready "http://127.0.0.1:$port/readyz" "$pid" >/dev/null
sleep 5
read -r t_rss t_hwm < <(rss_of "$pid"); stop "$pid"

# --- peer: node oidc-provider ------------------------------------------------
peer=()
for _ in $(seq 1 "$runs"); do
  port=$(free_port); t0=$(now_ns); start_peer "$port"
  peer+=("$(wait_ready "http://127.0.0.1:$port/.well-known/openid-configuration" "$pid")"); stop "$pid"
done
read -r p_med p_p90 < <(printf '%s\n' "${peer[@]}" | stats)
port=$(free_port); t0=$(now_ns); start_peer "$port"
wait_ready "http://127.0.0.1:$port/.well-known/openid-configuration" "$pid" >/dev/null
sleep 5
read -r p_rss p_hwm < <(rss_of "$pid"); stop "$pid"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

echo
echo "== start-up and idle memory ($runs runs each, $(nproc) cores, $(date -u +%F))"
printf '%-32s %10s %10s   %s\n' figure tessera oidc-prov "tessera/peer   target"
printf '%-32s %10s %10s   %-14s %s\n' "startup.first_start_ms (median)" "$t_first_med" "$p_med" "$(ratio "$t_first_med" "$p_med")" "< 1000"
printf '%-32s %10s %10s   %-14s %s\n' "startup.first_start_ms (p90)" "$t_first_p90" "$p_p90" "$(ratio "$t_first_p90" "$p_p90")" ""
printf '%-32s %10s %10s   %-14s %s\n' "startup.restart_ms (median)" "$t_restart_med" "$p_med" "$(ratio "$t_restart_med" "$p_med")" "< 1000"
printf '%-32s %10s %10s   %-14s %s\n' "startup.restart_ms (p90)" "$t_restart_p90" "$p_p90" "$(ratio "$t_restart_p90" "$p_p90")" ""
printf '%-32s %10s %10s   %-14s %s\n' "rss.idle_kib" "$t_rss" "$p_rss" "$(ratio "$t_rss" "$p_rss")" "< 20480"
printf '%-32s %10s %10s   %-14s %s\n' "rss.idle_hwm_kib" "$t_hwm" "$p_hwm" "$(ratio "$t_hwm" "$p_hwm")" ""
echo "(the peer has no database and no first-start bootstrap; its one start-up figure stands beside both of ours)"
