#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite.
#
#   source scripts/pg.sh start   # starts one, exports TESSERA_TEST_POSTGRES_URL
#                                # and TESSERA_TEST_PG_BINDIR, stops it on exit
#   scripts/pg.sh start|stop     # by hand (stop needs TESSERA_TEST_PG_DIR)
#
# PostgreSQL refuses to run as root, so the cluster runs as the `postgres`
# system user created by Debian's package; it listens on 127.0.0.1 only.

pg_install() {
  if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    echo "== installing PostgreSQL (Debian package)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
  fi
  TESSERA_TEST_PG_BINDIR=$(dirname "$(compgen -G "/usr/lib/postgresql/*/bin/initdb" | sort -V | tail -n 1)")
  export TESSERA_TEST_PG_BINDIR
}

pg_free_port() {
  local port=55432
  while (( port < 55532 )); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
    port=$((port + 1))
  done
  echo "no free port for PostgreSQL in 55432-55531" >&2
  return 1
}

pg_start() {
  pg_install
  local dir port bin="$TESSERA_TEST_PG_BINDIR"
  dir=$(mktemp -d /tmp/tessera-pg.XXXXXX)
  chown postgres "$dir"
  port=$(pg_free_port)
  printf 'tessera\n' > "$dir/pwfile"
  chown postgres "$dir/pwfile"
  runuser -u postgres -- "$bin/initdb" -D "$dir/data" -U tessera --pwfile="$dir/pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -N >/dev/null
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=128MB -c fsync=on" \
    start >/dev/null || { cat "$dir/log" >&2; return 1; }
  if ! "$bin/pg_isready" -h 127.0.0.1 -p "$port" -t 30 >/dev/null; then
    echo "PostgreSQL did not become ready; its log:" >&2
    cat "$dir/log" >&2
    return 1
  fi
  export TESSERA_TEST_PG_DIR="$dir"
  export TESSERA_TEST_POSTGRES_URL="postgres://tessera:tessera@127.0.0.1:$port/postgres"
  echo "== PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)"
}

pg_stop() {
  local dir="${TESSERA_TEST_PG_DIR:-}"
  [[ -n "$dir" && -d "$dir" ]] || return 0
  runuser -u postgres -- "$TESSERA_TEST_PG_BINDIR/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  case "${1:-}" in
    start) pg_start; echo "export TESSERA_TEST_POSTGRES_URL=$TESSERA_TEST_POSTGRES_URL TESSERA_TEST_PG_BINDIR=$TESSERA_TEST_PG_BINDIR TESSERA_TEST_PG_DIR=$TESSERA_TEST_PG_DIR" ;;
    stop) pg_install; pg_stop ;;
    *) echo "usage: scripts/pg.sh start|stop  (or: source scripts/pg.sh start)" >&2; exit 2 ;;
  esac
elif [[ "${1:-}" == "start" ]]; then
  pg_start && trap pg_stop EXIT
fi
