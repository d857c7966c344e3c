#!/usr/bin/env bash
# The Docker test fixture: a daemon of the suite's own (no bridge, no iptables; data and exec
# roots and socket under the build folder), Debian's registry on a free loopback port, the
# offline base image and the faulty builder images of the fault tests.
#
#   docker_fixture.sh start|stop|stop-daemon|start-daemon BUILD_DIR SOURCE_DIR
#
# `start` writes BUILD_DIR/docker/env for the tests to source (DOCKER_HOST, DOCKER, REGISTRY).
# Outside CI a machine without Docker skips the Docker tests (exit 77); in CI (CI=true) a
# missing or failing piece fails with the reason.
set -euo pipefail
ACTION=$1; BUILD=$(cd "$2" && pwd); SRC=$(cd "$3" && pwd)
STATE=$BUILD/docker
SOCK=$STATE/docker.sock
DOCKER=/usr/bin/docker
mkdir -p "$STATE"

missing() {
  if [[ "${CI:-}" == true ]]; then echo "FAIL: $* (scripts/setup.sh installs it)" >&2; exit 1; fi
  echo "SKIP: $* (scripts/setup.sh installs it)"; exit 77
}

start_daemon() {
  [[ $(id -u) -eq 0 ]] || missing "the Docker tests start dockerd and need root"
  command -v dockerd >/dev/null || missing "dockerd is not installed (Debian package docker.io)"
  stop_daemon
  # overlay2 first; vfs (slower, always works) if this file system cannot carry overlay2.
  # Short paths: containerd's sockets live under the exec root and unix socket paths are
  # limited to 108 bytes.
  local driver
  for driver in ${TML_DOCKER_STORAGE_DRIVER:-overlay2 vfs}; do
    dockerd --bridge=none --iptables=false --ip-masq=false --data-root "$STATE/d-$driver" --exec-root "$STATE/e" \
      --host "unix://$SOCK" --pidfile "$STATE/dockerd.pid" --storage-driver "$driver" >>"$STATE/dockerd.log" 2>&1 &
    for _ in $(seq 100); do
      DOCKER_HOST="unix://$SOCK" "$DOCKER" version >/dev/null 2>&1 && return 0
      kill -0 $! 2>/dev/null || break
      sleep 0.2
    done
    echo "dockerd with storage driver $driver did not start; its log ends:" >&2
    tail -5 "$STATE/dockerd.log" >&2
    stop_daemon
  done
  echo "FAIL: dockerd did not answer on $SOCK (log: $STATE/dockerd.log)" >&2
  exit 1
}

stop_daemon() {
  local pid
  pid=$(cat "$STATE/dockerd.pid" 2>/dev/null || true)
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$STATE/dockerd.pid"
  # A killed daemon can leave its mounts behind; they would make the folder unremovable.
  if command -v findmnt >/dev/null; then
    findmnt -rn -o TARGET | grep -F "$STATE/" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  fi
}

start_registry() {
  command -v docker-registry >/dev/null || missing "docker-registry is not installed (Debian package docker-registry)"
  stop_registry
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat >"$STATE/registry.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE/registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YML
  docker-registry serve "$STATE/registry.yml" >>"$STATE/registry.log" 2>&1 &
  echo $! >"$STATE/registry.pid"
  for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && { REGISTRY=127.0.0.1:$port; return 0; }
    sleep 0.1
  done
  echo "FAIL: the registry did not answer on 127.0.0.1:$port; its log ends:" >&2
  tail -20 "$STATE/registry.log" >&2
  exit 1
}

stop_registry() {
  local pid
  pid=$(cat "$STATE/registry.pid" 2>/dev/null || true)
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
  rm -f "$STATE/registry.pid"
}

case "$ACTION" in
  start)
    command -v debootstrap >/dev/null || missing "debootstrap is not installed"
    start_daemon
    start_registry
    export DOCKER_HOST="unix://$SOCK" DOCKER
    "$SRC/builders/make-base-image"
    for dir in "$SRC"/tests/docker/faulty/*/; do
      name=$(basename "$dir")
      "$DOCKER" build -q -t "tml-faulty-$name" "$dir" >/dev/null
    done
    printf 'export DOCKER_HOST=%q DOCKER=%q REGISTRY=%q\n' "unix://$SOCK" "$DOCKER" "$REGISTRY" >"$STATE/env"
    echo "docker fixture: daemon on unix://$SOCK, registry on $REGISTRY"
    ;;
  stop)
    leftover=$(DOCKER_HOST="unix://$SOCK" "$DOCKER" ps -aq 2>/dev/null | wc -l)
    stop_registry
    stop_daemon
    rm -f "$STATE/env"
    if ((leftover > 0)); then echo "FAIL: $leftover container(s) were left behind by the tests" >&2; exit 1; fi
    echo "docker fixture: stopped, no container left behind"
    ;;
  stop-daemon) stop_daemon ;;
  start-daemon) start_daemon ;;
  *) echo "usage: $0 start|stop|stop-daemon|start-daemon BUILD_DIR SOURCE_DIR" >&2; exit 2 ;;
esac
