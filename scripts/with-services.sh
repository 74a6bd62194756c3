#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL cluster: with-services.sh CMD [ARGS...]
#
# The cluster lives in a temporary directory (data, log and unix socket), listens on a free TCP port on
# 127.0.0.1, and is stopped and deleted when the command ends, whatever its outcome. The command sees
#   DUECARE_TEST_PG_URL=postgresql+psycopg://duecare@127.0.0.1:PORT/postgres
# PostgreSQL refuses to run as root, so under root the cluster runs as the system user `duecare-pg`
# (created when missing). The exit code is the command's. If DUECARE_TEST_PG_URL is already set (a CI
# service, a developer's own server), that server is used and nothing is started.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

if [ -n "${DUECARE_TEST_PG_URL:-}" ]; then
  echo "with-services: using the PostgreSQL given in DUECARE_TEST_PG_URL" >&2
  exec "$@"
fi

pg_bin=""
for candidate in /usr/lib/postgresql/*/bin; do
  if [ -x "$candidate/initdb" ]; then pg_bin="$candidate"; fi
done
if [ -z "$pg_bin" ] && command -v initdb >/dev/null 2>&1; then
  pg_bin="$(dirname "$(command -v initdb)")"
fi
if [ -z "$pg_bin" ]; then
  echo "with-services: PostgreSQL binaries not found (apt-get install postgresql); running without it" >&2
  exec "$@"
fi

run_as=()
pg_user="$(id -un)"
if [ "$(id -u)" -eq 0 ]; then
  pg_user="duecare-pg"
  if ! id "$pg_user" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$pg_user"
  fi
  if command -v runuser >/dev/null 2>&1; then
    run_as=(runuser -u "$pg_user" --)
  else
    run_as=(su -s /bin/sh "$pg_user" -c)
  fi
fi

as_pg() {
  if [ ${#run_as[@]} -eq 0 ]; then
    "$@"
  elif [ "${run_as[0]}" = "runuser" ]; then
    "${run_as[@]}" "$@"
  else
    "${run_as[@]}" "$(printf '%q ' "$@")"
  fi
}

tmp="$(mktemp -d "${TMPDIR:-/tmp}/duecare-pg.XXXXXX")"
chmod 755 "$tmp"
mkdir -p "$tmp/data" "$tmp/sock"
if [ "$(id -u)" -eq 0 ]; then chown -R "$pg_user" "$tmp/data" "$tmp/sock"; fi

cleanup() {
  local code=$?
  if [ -f "$tmp/data/postmaster.pid" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

if ! as_pg "$pg_bin/initdb" -D "$tmp/data" -U duecare --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$tmp/initdb.log" 2>&1; then
  # A machine without the C.UTF-8 locale: fall back to the plain C locale (UTF-8 encoding still).
  rm -rf "$tmp/data" && mkdir -p "$tmp/data"
  if [ "$(id -u)" -eq 0 ]; then chown "$pg_user" "$tmp/data"; fi
  as_pg "$pg_bin/initdb" -D "$tmp/data" -U duecare --auth=trust --encoding=UTF8 --no-locale \
    >>"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; exit 1; }
fi

started=0
for attempt in 1 2 3; do
  port="$(free_port)"
  if as_pg "$pg_bin/pg_ctl" -D "$tmp/data" -w -t 90 -l "$tmp/sock/server.log" \
      -o "-p $port -k $tmp/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null 2>&1; then
    started=1
    break
  fi
  echo "with-services: PostgreSQL did not start on port $port (attempt $attempt)" >&2
done
if [ "$started" -ne 1 ]; then
  cat "$tmp/sock/server.log" >&2 || true
  exit 1
fi

version="$("$pg_bin/postgres" --version | awk '{print $3}')"
echo "with-services: PostgreSQL $version on 127.0.0.1:$port (socket dir $tmp/sock)" >&2
export DUECARE_TEST_PG_URL="postgresql+psycopg://duecare@127.0.0.1:$port/postgres"
export DUECARE_TEST_PG_SOCKET_DIR="$tmp/sock"

set +e
"$@"
code=$?
set -e
exit "$code"
