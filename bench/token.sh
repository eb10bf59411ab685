#!/usr/bin/env bash
# Client-credentials token endpoint throughput and latency, RS256 and ES256,
# Tessera beside node's oidc-provider (JWT access tokens, same lifetime),
# measured in the same run with wrk on loopback. Also Tessera's RSS under load.
# Usage: bench/token.sh PATH/TO/tessera [SECONDS]
set -euo pipefail
bin=${1:?usage: bench/token.sh PATH/TO/tessera [SECONDS]}
secs=${2:-10}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work=$(mktemp -d /tmp/tessera-bench-token.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
command -v wrk >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_url() { # URL: waits up to 30 s for a 200 on GET
  for _ in $(seq 1 3000); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$1" || true) == 200 ]] && return 0
    sleep 0.01
  done
  echo "not ready: $1" >&2; return 1
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
load() { # URL BODY -> prints the RESULT line (after a 2 s warm-up)
  BODY="$2" wrk -t2 -c32 -d2s -s "$here/token.lua" "$1" >/dev/null
  BODY="$2" wrk -t2 -c32 -d"${secs}s" --timeout 5s -s "$here/token.lua" "$1" | grep '^RESULT'
}
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

declare -A R
for alg in RS256 ES256; do
  dir="$work/tessera-$alg"; port=$(free_port)
  TESSERA_TOKEN_SIGNING_ALG=$alg "$bin" serve --listen "127.0.0.1:$port" --data-dir "$dir" --log-level warn >/dev/null 2>&1 &
  pid=$!; pids+=("$pid")
  wait_url "http://127.0.0.1:$port/readyz"
  tenant=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tenantId"])' "$dir/bootstrap.json")
  body=$(python3 -c 'import json,sys,urllib.parse as u; b=json.load(open(sys.argv[1])); print(u.urlencode({"grant_type":"client_credentials","client_id":b["clientId"],"client_secret":b["clientSecret"],"scope":"https://graph.microsoft.com/.default"}))' "$dir/bootstrap.json")
  R[tessera-$alg]=$(load "http://127.0.0.1:$port/$tenant/oauth2/v2.0/token" "$body")
  R[tessera-$alg-rss]=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
  stop "$pid"

  port=$(free_port)
  node "$here/peer/server.mjs" "$port" "$alg" >/dev/null 2>&1 &
  pid=$!; pids+=("$pid")
  wait_url "http://127.0.0.1:$port/.well-known/openid-configuration"
  R[peer-$alg]=$(load "http://127.0.0.1:$port/token" "grant_type=client_credentials&client_id=bench-client&client_secret=bench-secret-bench-secret-bench-secret-0123&scope=api")
  R[peer-$alg-rss]=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
  stop "$pid"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "== client-credentials token endpoint (wrk -t2 -c32, ${secs}s after 2s warm-up, $(nproc) cores, $(date -u +%F))"
printf '%-28s %10s %10s   %-8s %s\n' figure tessera oidc-prov ratio target
for alg in RS256 ES256; do
  t=${R[tessera-$alg]}; p=${R[peer-$alg]}
  target=$([[ $alg == RS256 ]] && echo ">= 3000" || echo ">= 15000, >= 3x peer")
  printf '%-28s %10s %10s   %-8s %s\n' "token.$alg.per_s" "$(field "$t" rps)" "$(field "$p" rps)" "$(ratio "$(field "$t" rps)" "$(field "$p" rps)")" "$target"
  printf '%-28s %10s %10s   %-8s\n' "token.$alg.p50_ms" "$(field "$t" p50_ms)" "$(field "$p" p50_ms)" "$(ratio "$(field "$t" p50_ms)" "$(field "$p" p50_ms)")"
  printf '%-28s %10s %10s   %-8s\n' "token.$alg.p99_ms" "$(field "$t" p99_ms)" "$(field "$p" p99_ms)" "$(ratio "$(field "$t" p99_ms)" "$(field "$p" p99_ms)")"
  printf '%-28s %10s %10s   %-8s %s\n' "token.$alg.rss_hwm_kib" "${R[tessera-$alg-rss]}" "${R[peer-$alg-rss]}" "$(ratio "${R[tessera-$alg-rss]}" "${R[peer-$alg-rss]}")" "<= 102400"
  printf '%-28s %10s %10s\n' "token.$alg.non2xx+errors" "$(( $(field "$t" non2xx) + $(field "$t" errors) ))" "$(( $(field "$p" non2xx) + $(field "$p" errors) ))"
done
