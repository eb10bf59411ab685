#!/usr/bin/env bash
# Full authorization code + PKCE logins per second, Tessera beside node's
# oidc-provider, measured in the same run by one driver (tessera-bench login:
# a browser-like client that follows redirects, keeps cookies, fills the
# sign-in form, then redeems the code with its PKCE verifier).
#   fresh: every login starts with no cookies: the password is verified
#          (Argon2id m=19 MiB t=2 p=1 on both sides).
#   sso:   each virtual user keeps its session: authorize → code → token.
# Also Tessera's and the peer's peak RSS under this load.
# Usage: bench/login.sh [PATH/TO/tessera] [SECONDS]   (default target/release/tessera, 10)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib/common.sh
source "$here/lib/common.sh"
bin=${1:-$here/../target/release/tessera}
driver=$(dirname "$bin")/tessera-bench
secs=${2:-10}
conc=${BENCH_LOGIN_CONCURRENCY:-8}
for b in "$bin" "$driver"; do
  if [[ ! -x "$b" ]]; then
    echo "bench/login.sh: no $b (run bench/run, or cargo build --release -p tessera -p tessera-bench)" >&2
    exit 1
  fi
done
if ! [[ "$secs" =~ ^[0-9]+$ ]] || ((secs < 1 || secs > 300)); then
  echo "bench/login.sh: SECONDS must be 1..300" >&2
  exit 2
fi
need_cmd curl curl
ensure_peer
work=$(mktemp -d /tmp/tessera-bench-login.XXXXXX)
pid=
cleanup() {
  if [[ -n "$pid" ]]; then stop_pid "$pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
drive() { # MODE AUTHORIZE TOKEN CLIENT SCOPE USER PASSWORD
  "$driver" login --mode "$1" --authorize "$2" --token "$3" --client-id "$4" \
    --redirect-uri http://127.0.0.1:9/cb --scope "$5" --username "$6" --password "$7" \
    --secs "$secs" --warmup 2 --concurrency "$conc" | grep '^RESULT'
}
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

declare -A R
# Tessera: bootstrap, then seed a public client, a user and admin consent.
dir="$work/tessera"; port=$(free_port)
"$bin" serve --listen "127.0.0.1:$port" --data-dir "$dir" --log-level warn >"$work/server.log" 2>&1 </dev/null &
pid=$!
wait_url "http://127.0.0.1:$port/readyz" "$pid" "$work/server.log"
"$driver" seed "$dir" >"$work/seed.json"
get() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$work/seed.json" "$1"; }
tenant=$(get tenant); client=$(get client_id); user=$(get username); password=$(get password)
sleep 0.5 # the running server sees the seed through its change-log poll
base="http://127.0.0.1:$port/$tenant/oauth2/v2.0"
for mode in fresh sso; do
  R[tessera-$mode]=$(drive "$mode" "$base/authorize" "$base/token" "$client" "openid User.Read" "$user" "$password")
done
R[tessera-rss]=$(hwm "$pid")
stop_pid "$pid"; pid=

port=$(free_port)
node "$here/peer/server.mjs" "$port" RS256 >"$work/server.log" 2>&1 </dev/null &
pid=$!
wait_url "http://127.0.0.1:$port/.well-known/openid-configuration" "$pid" "$work/server.log"
for mode in fresh sso; do
  R[peer-$mode]=$(drive "$mode" "http://127.0.0.1:$port/auth" "http://127.0.0.1:$port/token" bench-native "openid api" ada@bench.example "correct horse battery staple 42")
done
R[peer-rss]=$(hwm "$pid")
stop_pid "$pid"; pid=

echo
echo "== auth code + PKCE logins (tessera-bench login, $conc virtual users, ${secs}s after 2s warm-up, RS256, $(nproc) cores, $(date -u +%F))"
echo "   peer: oidc-provider $(peer_version), node $(node --version)"
printf '%-28s %10s %10s   %-8s %s\n' figure tessera oidc-prov ratio target
for mode in fresh sso; do
  t=${R[tessera-$mode]}; p=${R[peer-$mode]}
  printf '%-28s %10s %10s   %-8s\n' "login.$mode.per_s" "$(field "$t" per_s)" "$(field "$p" per_s)" "$(ratio "$(field "$t" per_s)" "$(field "$p" per_s)")"
  printf '%-28s %10s %10s   %-8s\n' "login.$mode.p50_ms" "$(field "$t" p50_ms)" "$(field "$p" p50_ms)" "$(ratio "$(field "$t" p50_ms)" "$(field "$p" p50_ms)")"
  printf '%-28s %10s %10s   %-8s\n' "login.$mode.p99_ms" "$(field "$t" p99_ms)" "$(field "$p" p99_ms)" "$(ratio "$(field "$t" p99_ms)" "$(field "$p" p99_ms)")"
  printf '%-28s %10s %10s\n' "login.$mode.errors" "$(field "$t" errors)" "$(field "$p" errors)"
done
printf '%-28s %10s %10s   %-8s %s\n' "login.rss_hwm_kib" "${R[tessera-rss]}" "${R[peer-rss]}" "$(ratio "${R[tessera-rss]}" "${R[peer-rss]}")" "<= 102400"
