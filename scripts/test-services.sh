#!/usr/bin/env bash
# Installs (if missing) and starts what the test suite needs beyond Python:
#   - Debian's Chromium, for the browser tests (Playwright drives /usr/bin/chromium);
#   - a throwaway PostgreSQL server on loopback, for the store tests.
# Prints `export CARECAST_TEST_POSTGRES_URL=...` on its last line for the caller to eval.
# Safe to run twice: it reuses a running server.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"  # runuser and the PostgreSQL tools live here; a minimal PATH may lack them

PGPORT="${CARECAST_TEST_PGPORT:-54329}"
PGDATA="${CARECAST_TEST_PGDATA:-/tmp/carecast-pgdata}"

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing ${need_apt[*]} with apt-get" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}") >&2
  else
    echo "missing ${need_apt[*]} and not root: browser/PostgreSQL tests will be skipped" >&2
  fi
fi

PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1)" 2>/dev/null || true)
if [ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ]; then
  run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  if ! run_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    rm -rf "$PGDATA"; mkdir -p "$PGDATA"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA"
    # UTF-8 whatever the caller's locale: with none set, initdb picks SQL_ASCII and psycopg then hands back bytes
    run_pg "$PGBIN/initdb" -D "$PGDATA" -A trust -U carecast --encoding=UTF8 --no-locale >/dev/null
    run_pg "$PGBIN/pg_ctl" -D "$PGDATA" -o "-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1" -l "$PGDATA/server.log" -w start >/dev/null
    run_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U carecast carecast_test
  fi
  echo "export CARECAST_TEST_POSTGRES_URL=postgresql+psycopg://carecast@127.0.0.1:$PGPORT/carecast_test"
else
  echo "# PostgreSQL not available"
fi
