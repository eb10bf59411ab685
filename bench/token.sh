#!/usr/bin/env bash
# Client-credentials token endpoint throughput and latency, RS256 and ES256,
# Tessera beside node's oidc-provider (JWT access tokens, same lifetime),
# measured in the same run with wrk on loopback. Also Tessera's RSS under load.
# Usage: bench/token.sh [PATH/TO/tessera] [SECONDS]   (default target/release/tessera, 10)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib/common.sh
source "$here/lib/common.sh"
bin=${1:-$here/../target/release/tessera}
secs=${2:-10}
if [[ ! -x "$bin" ]]; then
  echo "bench/token.sh: no tessera binary at $bin (run bench/run, or cargo build --release -p tessera)" >&2
  exit 1
fi
if ! [[ "$secs" =~ ^[0-9]+$ ]] || ((secs < 1 || secs > 300)); then
  echo "bench/token.sh: SECONDS must be 1..300" >&2
  exit 2
fi
need_cmd wrk wrk
need_cmd curl curl
ensure_peer
work=$(mktemp -d /tmp/tessera-bench-token.XXXXXX)
pid= # the server under test, if one is running
cleanup() {
  if [[ -n "$pid" ]]; then stop_pid "$pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

stop() { stop_pid "$pid"; pid=; }
load() { # URL BODY -> prints the RESULT line (after a 2 s warm-up)
  BODY="$2" wrk -t2 -c32 -d2s -s "$here/token.lua" "$1" >/dev/null
  BODY="$2" wrk -t2 -c32 -d"${secs}s" --timeout 5s -s "$here/token.lua" "$1" | grep '^RESULT'
}
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

declare -A R
for alg in RS256 ES256; do
  dir="$work/tessera-$alg"; port=$(free_port)
  TESSERA_TOKEN_SIGNING_ALG=$alg "$bin" serve --listen "127.0.0.1:$port" --data-dir "$dir" --log-level warn >"$work/server.log" 2>&1 </dev/null &
  pid=$!
  wait_url "http://127.0.0.1:$port/readyz" "$pid" "$work/server.log"
  tenant=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tenantId"])' "$dir/bootstrap.json")
  body=$(python3 -c 'import json,sys,urllib.parse as u; b=json.load(open(sys.argv[1])); print(u.urlencode({"grant_type":"client_credentials","client_id":b["clientId"],"client_secret":b["clientSecret"],"scope":"https://graph.microsoft.com/.default"}))' "$dir/bootstrap.json")
  R[tessera-$alg]=$(load "http://127.0.0.1:$port/$tenant/oauth2/v2.0/token" "$body")
  R[tessera-$alg-rss]=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
  stop

  port=$(free_port)
  node "$here/peer/server.mjs" "$port" "$alg" >"$work/server.log" 2>&1 </dev/null &
  pid=$!
  wait_url "http://127.0.0.1:$port/.well-known/openid-configuration" "$pid" "$work/server.log"
  R[peer-$alg]=$(load "http://127.0.0.1:$port/token" "grant_type=client_credentials&client_id=bench-client&client_secret=bench-secret-bench-secret-bench-secret-0123&scope=api")
  R[peer-$alg-rss]=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
  stop
done

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
