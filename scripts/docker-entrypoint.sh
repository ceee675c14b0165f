#!/bin/sh
# The image's entrypoint (under tini, which forwards SIGTERM). A volume attached by the platform (Railway)
# is mounted owned by root, so the container starts as root only to hand DATA_DIR to the unprivileged
# `node` user, then drops to that user with setpriv (util-linux, in the Debian base) and execs the
# service, which thus runs as node with tini as its parent. Started as any other user, it changes nothing.
set -eu

RUN_AS="${RUN_AS:-node}"
DATA_DIR="${DATA_DIR:-/data}"

if [ "$(id -u)" = "0" ]; then
  uid="$(id -u "$RUN_AS")"
  gid="$(id -g "$RUN_AS")"
  mkdir -p "$DATA_DIR"
  # Only what is not already node's: a large volume is not rewritten on every start.
  find "$DATA_DIR" \( ! -uid "$uid" -o ! -gid "$gid" \) -exec chown -h "$uid:$gid" {} +
  exec setpriv --reuid="$uid" --regid="$gid" --init-groups -- "$@"
fi

exec "$@"
