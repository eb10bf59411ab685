#!/usr/bin/env bash
# The directory API at scale, on SQLite and on PostgreSQL: a directory of
# USERS users and GROUPS nested groups (each user directly in 3 groups),
# bulk-loaded by `tessera-bench seed-directory`, then measured over HTTP by
# `tessera-bench directory`, one request at a time:
#   $filter=userPrincipalName eq '…'   p50/p99 latency   (target p99 < 5 ms)
#   /users/{id}/transitiveMemberOf      p50/p99 latency   (target p99 < 5 ms)
#   every user, $top=999 pages          users per second  (target >= 20,000/s)
# plus the seeding time, the server's peak RSS, and how many cores the machine
# was busy while measuring (server, driver and PostgreSQL take about one, as
# requests go one at a time: more means something else was running). For each backend: start
# the server once on a fresh data directory (and database) so it bootstraps,
# stop it, seed, start it again, measure, stop it.
# Usage: bench/directory.sh [PATH/TO/tessera] [USERS] [GROUPS]
#        (defaults: target/release/tessera, 1000000, 50000; needs
#        target/release/tessera-bench beside the binary)
# Environment: BENCH_DIRECTORY_BACKENDS="sqlite postgres" (the default; either
# alone), BENCH_DIRECTORY_PHASE_SECS=120 (time budget of each measured phase),
# BENCH_DIRECTORY_SAMPLES=2000 (requests per latency figure).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib/common.sh
source "$here/lib/common.sh"
bin=${1:-$here/../target/release/tessera}
driver=$(dirname "$bin")/tessera-bench
users=${2:-1000000}
groups=${3:-50000}
backends=${BENCH_DIRECTORY_BACKENDS:-sqlite postgres}
phase_secs=${BENCH_DIRECTORY_PHASE_SECS:-120}
samples=${BENCH_DIRECTORY_SAMPLES:-2000}
for b in "$bin" "$driver"; do
  if [[ ! -x "$b" ]]; then
    echo "bench/directory.sh: no $b (run bench/run directory, or cargo build --release -p tessera -p tessera-bench)" >&2
    exit 1
  fi
done
if ! [[ "$users" =~ ^[0-9]+$ ]] || ((users < 1 || users > 10000000)); then
  echo "bench/directory.sh: USERS must be 1..10000000" >&2
  exit 2
fi
if ! [[ "$groups" =~ ^[0-9]+$ ]] || ((groups < 3 || groups > 1000000)); then
  echo "bench/directory.sh: GROUPS must be 3..1000000" >&2
  exit 2
fi
for b in $backends; do
  [[ "$b" == sqlite || "$b" == postgres ]] || { echo "bench/directory.sh: unknown backend $b" >&2; exit 2; }
done
need_cmd curl curl
work=$(mktemp -d /tmp/tessera-bench-directory.XXXXXX)
pid=   # the server under test, if one is running
pgdir= # the throwaway PostgreSQL cluster, if one is running
cleanup() {
  if [[ -n "$pid" ]]; then stop_pid "$pid"; fi
  if [[ -n "$pgdir" ]]; then "$here/../scripts/pg.sh" stop "$pgdir" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }
json() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
now() { date +%s.%N; }
# Jiffies all cores spent busy so far (user, nice, system, irq, softirq, steal).
cpu_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

port=
start_server() { # NAME DIR [DATABASE_URL]
  local log="$work/$1.log"
  port=$(free_port)
  "$bin" serve --listen "127.0.0.1:$port" --data-dir "$2" ${3:+--database "$3"} --log-level warn >>"$log" 2>&1 </dev/null &
  pid=$!
  wait_url "http://127.0.0.1:$port/readyz" "$pid" "$log"
}

declare -A R
run_backend() { # NAME [DATABASE_URL]
  local name=$1 db=${2:-} dir="$work/$1"
  echo "== $name: bootstrap" >&2
  start_server "$name" "$dir" "$db"
  stop_pid "$pid"; pid=
  echo "== $name: seed-directory ($users users, $groups groups)" >&2
  local t0; t0=$(now)
  "$driver" seed-directory "${db:-$dir}" --users "$users" --groups "$groups" >"$work/$name.seed.json"
  R[$name-seed]=$(since "$t0")
  R[$name-memberships]=$(json "$work/$name.seed.json" memberships)
  if [[ -z "$db" ]]; then R[$name-db]=$(du -sk "$dir/tessera.db" | awk '{print $1}'); fi
  local domain tenant client secret token
  domain=$(json "$work/$name.seed.json" domain)
  echo "== $name: measuring" >&2
  t0=$(now)
  start_server "$name" "$dir" "$db"
  R[$name-restart]=$(since "$t0")
  tenant=$(json "$dir/bootstrap.json" tenantId)
  client=$(json "$dir/bootstrap.json" clientId)
  secret=$(json "$dir/bootstrap.json" clientSecret)
  token=$(curl -sf "http://127.0.0.1:$port/$tenant/oauth2/v2.0/token" -d grant_type=client_credentials \
    -d "client_id=$client" --data-urlencode "client_secret=$secret" -d scope=https://graph.microsoft.com/.default |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  local cpu0 t1; cpu0=$(cpu_busy); t1=$(now)
  R[$name]=$("$driver" directory --base "http://127.0.0.1:$port" --token "$token" --domain "$domain" \
    --users "$users" --samples "$samples" --phase-secs "$phase_secs" | grep '^RESULT')
  echo "$name ${R[$name]}" >&2
  R[$name-rss]=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
  R[$name-load]=$(awk -v a="$cpu0" -v b="$(cpu_busy)" -v s="$(since "$t1")" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (b - a) / hz / s }')
  stop_pid "$pid"; pid=
  rm -rf "$dir" # several GB at full size
}

for b in $backends; do
  if [[ "$b" == postgres ]]; then
    eval "$("$here/../scripts/pg.sh" start)"
    pgdir=$TESSERA_TEST_PG_DIR
    run_backend postgres "$TESSERA_TEST_POSTGRES_URL"
    "$here/../scripts/pg.sh" stop "$pgdir"; pgdir=
  else
    run_backend sqlite
  fi
done

verdict() { # OP TARGET VALUE -> met / MISSED
  awk -v v="$3" -v t="$2" -v op="$1" 'BEGIN { ok = (op == "<") ? (v < t) : (v >= t); print (v == "" ? "n/a" : (ok ? "met" : "MISSED")) }'
}
echo
echo "== directory at scale: $users users, $groups groups, one request at a time ($("$bin" --version 2>/dev/null || echo tessera), $(nproc) cores, $(date -u '+%F %H:%M') UTC)"
printf '%-32s' figure; for b in $backends; do printf ' %16s' "$b"; done; printf '   %s\n' target
row() { # LABEL KEY [OP TARGET UNIT]
  local label=$1 key=$2 op=${3:-} target=${4:-} unit=${5:-} v verdicts=()
  printf '%-32s' "$label"
  for b in $backends; do
    case $key in
      seed | memberships | rss | restart | db | load) v=${R[$b-$key]:-} ;;
      *) v=$(field "${R[$b]}" "$key") ;;
    esac
    printf ' %16s' "$v"
    if [[ -n "$op" ]]; then verdicts+=("$b $(verdict "$op" "$target" "$v")"); fi
  done
  if [[ -n "$op" ]]; then
    printf '   %s %s %s: %s' "$op" "$target" "$unit" "$(printf '%s, ' "${verdicts[@]}" | sed 's/, $//')"
  fi
  printf '\n'
}
row "directory.filter_upn.p50_ms" filter_p50_ms
row "directory.filter_upn.p99_ms" filter_p99_ms "<" 5 ms
row "directory.tmo.p50_ms" tmo_p50_ms
row "directory.tmo.p99_ms" tmo_p99_ms "<" 5 ms
row "directory.tmo.groups_per_user" tmo_groups_avg
row "directory.list.users_per_s" list_users_per_s ">=" 20000 users/s
row "directory.list.users_listed" listed
row "directory.list.complete" complete
row "directory.list.page_p99_ms" page_p99_ms
row "samples.filter" filter_samples
row "samples.tmo" tmo_samples
row "seed.secs" seed
row "seed.memberships" memberships
row "seed.sqlite_db_kib" db
row "restart_to_ready_s" restart
row "rss_hwm_kib" rss
row "cpus_busy_while_measuring" load
