#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL server, for the app-database tests.
#
#   scripts/with-postgres.sh .venv/bin/python -m pytest -q tests/web/test_postgres.py
#
# Creates a cluster in a temporary folder, listening only on a Unix socket there (no TCP
# port, so parallel runs cannot collide), exports HEALTHGAP_TEST_POSTGRES as its SQLAlchemy
# URL, runs the command and always stops the server and removes the folder afterwards.
# Finds initdb/pg_ctl on PATH or in Debian's /usr/lib/postgresql/<version>/bin, and installs
# Debian's `postgresql` when they are missing and apt-get can run as root. As root the server
# runs as the unprivileged user `nobody` (initdb refuses root). When no server can be had the
# command still runs, without the variable: the PostgreSQL tests then skip, or fail when
# HEALTHGAP_REQUIRE names postgres (make test, CI; see tests/needs.py). An existing
# HEALTHGAP_TEST_POSTGRES is used as it is.
set -uo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARG...]" >&2
  exit 2
fi
if [ -n "${HEALTHGAP_TEST_POSTGRES:-}" ]; then
  exec "$@"
fi

find_bindir() {
  if command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then
    dirname "$(command -v pg_ctl)"
    return 0
  fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$d" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ]; then
    echo "$d"
    return 0
  fi
  return 1
}

bindir=$(find_bindir)
if [ -z "$bindir" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "with-postgres: installing Debian's postgresql" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  bindir=$(find_bindir)
fi
if [ -z "$bindir" ]; then
  echo "with-postgres: initdb/pg_ctl not found; running without PostgreSQL" >&2
  exec "$@"
fi

# As root, run the server as `nobody`; otherwise as the current user.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    if command -v runuser >/dev/null; then
      runuser -u nobody -- "$@"
    else
      setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
    fi
  else
    "$@"
  fi
}

dir=$(mktemp -d "${TMPDIR:-/tmp}/healthgap-pg.XXXXXX") || exit 1
cleanup() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    (cd "$dir" && as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1)
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ "$(id -u)" = 0 ]; then
  chown nobody "$dir"
fi
chmod 700 "$dir"

started=0
if (cd "$dir" && as_owner "$bindir/initdb" -D "$dir/data" -U healthgap --auth=trust \
      --encoding=UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1); then
  # No TCP; the socket lives in $dir; no fsync: the data are thrown away.
  if (cd "$dir" && as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses='' -k $dir -c fsync=off -c synchronous_commit=off \
            -c full_page_writes=off -c max_connections=200" start >/dev/null); then
    started=1
  else
    echo "with-postgres: the server did not start; its log:" >&2
    cat "$dir/server.log" >&2
  fi
else
  echo "with-postgres: initdb failed:" >&2
  cat "$dir/initdb.log" >&2
fi

if [ "$started" = 1 ]; then
  export HEALTHGAP_TEST_POSTGRES="postgresql+psycopg://healthgap@/postgres?host=$dir"
  echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on $dir" >&2
fi
"$@"
rc=$?
exit "$rc"
