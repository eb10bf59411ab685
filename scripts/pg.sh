#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite.
#
#   source scripts/pg.sh start      # start one in this shell: exports the variables
#                                   # below and stops it when the shell exits (EXIT trap)
#   source scripts/pg.sh lib        # only define pg_install, pg_start, pg_stop
#   eval "$(scripts/pg.sh start)"   # start one that outlives the command; prints exports
#   scripts/pg.sh env  [DIR]        # print the exports of a running cluster
#   scripts/pg.sh stop [DIR]        # stop it and remove its directory
#                                   # (DIR defaults to $TESSERA_TEST_PG_DIR)
#
# Exports:
#   TESSERA_TEST_POSTGRES_URL  postgres://tessera:tessera@127.0.0.1:PORT/postgres
#                              (superuser `tessera`, scram-sha-256 over TCP)
#   TESSERA_TEST_PG_BINDIR     /usr/lib/postgresql/VER/bin (run its programs as
#                              `runuser -u postgres -- …`: PostgreSQL refuses root)
#   TESSERA_TEST_PG_DIR        the cluster's directory: data/, log, socket, env
#
# Installs Debian's `postgresql` package when no initdb is found. The cluster
# listens on 127.0.0.1 only, on the first free port from 55432 (or
# $TESSERA_PG_PORT), with its unix socket inside its own directory;
# max_connections=300, shared_buffers=128MB, fsync=on, UTF8 and C.UTF-8. The
# settings are written to its postgresql.conf, so a `pg_ctl restart` keeps them.

pg__say() { printf '%s\n' "$*" >&2; }

# The newest installed PostgreSQL's bin directory, or nothing.
pg__find_bindir() {
  local initdb
  initdb=$(compgen -G "/usr/lib/postgresql/*/bin/initdb" | sort -V | tail -n 1)
  if [[ -n "$initdb" ]]; then dirname "$initdb"; fi
}

pg_install() {
  if [[ -z "$(pg__find_bindir)" ]]; then
    pg__say "== installing PostgreSQL (Debian package)"
    local log
    log=$(mktemp /tmp/tessera-pg-apt.XXXXXX) || return 1
    if ! {
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq postgresql
    } >"$log" 2>&1 </dev/null; then
      cat "$log" >&2
      rm -f "$log"
      pg__say "pg.sh: could not install Debian's postgresql package (output above)"
      return 1
    fi
    rm -f "$log"
  fi
  TESSERA_TEST_PG_BINDIR=$(pg__find_bindir)
  if [[ -z "$TESSERA_TEST_PG_BINDIR" ]]; then
    pg__say "pg.sh: no /usr/lib/postgresql/*/bin/initdb even after installing postgresql"
    return 1
  fi
  export TESSERA_TEST_PG_BINDIR
  if ! id -u postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres || return 1
  fi
}

# Runs a PostgreSQL program as the postgres user, from a directory it can read.
pg__as_postgres() { (cd / && runuser -u postgres -- "$@"); }

# Is something listening on 127.0.0.1:$1?
pg__port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pg_start() {
  pg_install || return 1
  local bin=$TESSERA_TEST_PG_BINDIR dir port first=${TESSERA_PG_PORT:-55432} attempt
  dir=$(mktemp -d /tmp/tessera-pg.XXXXXX) || return 1
  printf 'tessera\n' >"$dir/pwfile"
  { chown -R postgres: "$dir" && chmod 700 "$dir"; } || return 1
  if ! pg__as_postgres "$bin/initdb" -D "$dir/data" -U tessera --pwfile="$dir/pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 \
    --no-sync >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    pg__say "pg.sh: initdb failed"
    rm -rf "$dir"
    return 1
  fi
  rm -f "$dir/pwfile"
  cat >>"$dir/data/postgresql.conf" <<EOF

# tessera test cluster (scripts/pg.sh)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 300
shared_buffers = 128MB
fsync = on
EOF
  # Probe for a free port; if another process takes it between the probe and
  # the bind, try the next one. Bounded: 100 ports, 20 start attempts.
  port=$first
  for attempt in $(seq 1 20); do
    while pg__port_taken "$port"; do
      port=$((port + 1))
      if ((port >= first + 100)); then
        pg__say "pg.sh: no free port in $first-$((first + 99)) on 127.0.0.1"
        rm -rf "$dir"
        return 1
      fi
    done
    printf 'port = %s\n' "$port" >>"$dir/data/postgresql.conf"
    if pg__as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start >/dev/null 2>&1; then
      break
    fi
    if grep -q -e 'could not bind' -e 'could not create any TCP/IP sockets' "$dir/log" 2>/dev/null && ((attempt < 20)); then
      port=$((port + 1))
      continue
    fi
    pg__say "pg.sh: PostgreSQL did not start; its log ($dir/log):"
    cat "$dir/log" >&2
    pg__as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    return 1
  done
  local url="postgres://tessera:tessera@127.0.0.1:$port/postgres"
  # pg_ctl -w waited for "ready"; check TCP and the password too, bounded.
  if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 30 ||
    ! PGCONNECT_TIMEOUT=10 "$bin/psql" "$url" -X -q -At -c 'select 1' </dev/null >/dev/null; then
    pg__say "pg.sh: PostgreSQL on 127.0.0.1:$port is not answering within 30 s; its log ($dir/log):"
    cat "$dir/log" >&2
    pg__as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    return 1
  fi
  cat >"$dir/env" <<EOF
export TESSERA_TEST_POSTGRES_URL=$url
export TESSERA_TEST_PG_BINDIR=$bin
export TESSERA_TEST_PG_DIR=$dir
EOF
  export TESSERA_TEST_POSTGRES_URL=$url TESSERA_TEST_PG_DIR=$dir
  pg__say "== PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)"
}

# pg_stop [DIR]: stops the cluster in DIR (default $TESSERA_TEST_PG_DIR) and removes DIR.
pg_stop() {
  local dir=${1:-${TESSERA_TEST_PG_DIR:-}} ctl
  [[ -n "$dir" && -d "$dir" ]] || return 0
  # Only ever remove a directory this script made.
  if [[ "$dir" != /tmp/tessera-pg.* || ! -d "$dir/data" ]]; then
    pg__say "pg.sh: $dir is not a cluster made by scripts/pg.sh; not touching it"
    return 1
  fi
  ctl="${TESSERA_TEST_PG_BINDIR:-$(pg__find_bindir)}/pg_ctl"
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    pg__as_postgres "$ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
      pg__as_postgres "$ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
      pg__say "pg.sh: could not stop the cluster in $dir"
  fi
  rm -rf "$dir"
  if [[ "$dir" == "${TESSERA_TEST_PG_DIR:-}" ]]; then
    unset TESSERA_TEST_POSTGRES_URL TESSERA_TEST_PG_DIR
  fi
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  case "${1:-}" in
    start)
      pg_start
      cat "$TESSERA_TEST_PG_DIR/env"
      ;;
    env)
      dir=${2:-${TESSERA_TEST_PG_DIR:-}}
      if [[ -z "$dir" || ! -f "$dir/env" ]]; then
        echo "pg.sh env: no running cluster${dir:+ in $dir} (give its directory, or set TESSERA_TEST_PG_DIR)" >&2
        exit 1
      fi
      cat "$dir/env"
      ;;
    stop)
      dir=${2:-${TESSERA_TEST_PG_DIR:-}}
      if [[ -z "$dir" ]]; then
        echo "pg.sh stop: which cluster? give its directory, or set TESSERA_TEST_PG_DIR" >&2
        exit 2
      fi
      pg_stop "$dir"
      ;;
    *)
      echo "usage: scripts/pg.sh start|env [DIR]|stop [DIR]   (or: source scripts/pg.sh start|lib)" >&2
      exit 2
      ;;
  esac
elif [[ "${1:-}" == "start" ]]; then
  pg_start && trap pg_stop EXIT
fi
