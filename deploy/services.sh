#!/usr/bin/env bash
# Makes sure the local Redis and MariaDB used by tests are reachable; starts (and if needed
# installs from Debian packages) whichever is not. Idempotent.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif have sudo; then sudo -n "$@"; else "$@"; fi; }
apt_install() {
  if have apt-get; then
    as_root apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
  else
    echo "cannot install $*: no apt-get" >&2; return 1
  fi
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Redis on 6379
if ! port_open 6379; then
  have redis-server || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 50); do port_open 6379 && break; sleep 0.2; done
fi
port_open 6379 || { echo "redis did not start on 6379" >&2; exit 1; }

# MariaDB on 3306 (root, empty password)
if ! port_open 3306; then
  if ! have mariadbd && [ ! -x /usr/sbin/mariadbd ]; then
    apt_install mariadb-server
  fi
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  if [ ! -d /var/lib/mysql/mysql ]; then
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null 2>&1 || true
  fi
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
  for _ in $(seq 1 100); do port_open 3306 && break; sleep 0.3; done
  # Fresh installs authenticate root by socket; tests connect over TCP with an empty password.
  mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD(''); CREATE DATABASE IF NOT EXISTS test;" 2>/dev/null || true
fi
port_open 3306 || { echo "mariadb did not start on 3306" >&2; exit 1; }
