#!/usr/bin/env bash
# Make sure the local MariaDB (stands in for RDS MySQL) and PostgreSQL (stands in for
# Redshift) accept connections; start whichever is down and wait for it.
set -euo pipefail

mariadb_up() { mysqladmin --host=127.0.0.1 --port=3306 --user=root ping >/dev/null 2>&1; }
postgres_up() { pg_isready --host=127.0.0.1 --port=5432 --quiet; }

if ! mariadb_up; then
  echo "starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
fi
if ! postgres_up; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
for _ in $(seq 1 60); do
  if mariadb_up && postgres_up; then
    echo "MariaDB and PostgreSQL are up"
    exit 0
  fi
  sleep 1
done
echo "MariaDB or PostgreSQL did not come up within 60 s" >&2
exit 1
