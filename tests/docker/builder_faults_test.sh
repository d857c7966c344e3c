#!/usr/bin/env bash
# Faulty builder images through the service: one that sleeps past the time limit, one that
# exits non-zero, one that writes no manifest, one that tries to reach the network; a cancel,
# a daemon stopped mid-build and a server killed mid-build. Each build ends failed with the reason in its log, the server
# keeps serving, no container is left behind. `builders check` calls them non-conformant.
set -euo pipefail
BUILD=$1; SRC=$2; TINYMLAAS=$3; SHARED=$4
source "$BUILD/docker/env"
WORK=$(mktemp -d)
source "$(dirname "$0")/../support/serve_helpers.sh"
trap cleanup EXIT

start_server --docker "$DOCKER_HOST" --build-time-limit 4
"$TINYMLAAS" models push "$SHARED/models/ad01_int8.tflite" --name ad > /dev/null
for name in sleeper exit-code no-manifest network-probe; do
  "$TINYMLAAS" builders add "$name" --image "tml-faulty-$name" --board netduinoplus2 > /dev/null
done

# The network probe knocks on the host's loopback port 47231: listen there and count.
python3 - "$WORK/knocks" <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 47231)); s.listen(8)
while True:
    c, _ = s.accept(); open(sys.argv[1], "a").write("knock\n"); c.close()
PY
LISTENER_PID=$!

expect_failed() {  # builder, text the reason must contain
  set +e
  "$TINYMLAAS" build --model ad --board netduinoplus2 --builder "$1" --wait > "$WORK/$1.txt" 2>&1
  local rc=$?
  set -e
  [[ $rc -ne 0 ]] || fail "a build with $1 succeeded: $(cat "$WORK/$1.txt")"
  local id reason
  id=$(sed -n 's/^build \([0-9]*\): .*/\1/p' "$WORK/$1.txt" | head -1)
  [[ "$(build_json "$id" | json_field status)" == failed ]] || fail "build $id ($1) is $(build_json "$id" | json_field status)"
  reason=$(build_json "$id" | json_field reason)
  [[ "$reason" == *"$2"* ]] || fail "build $id ($1): reason '$reason' lacks '$2'"
  grep -qF "$2" "$WORK/$1.txt" || fail "build $id ($1): the log lacks '$2': $(cat "$WORK/$1.txt")"
  echo "$1: failed as expected: $reason"
}
expect_failed sleeper "exceeded its time limit of 4 s"
expect_failed exit-code "exited with code 3: builder: error: this builder fails on purpose (board netduinoplus2)"
expect_failed no-manifest "wrote no manifest.json"
expect_failed network-probe "cannot reach 127.0.0.1:47231 (no network)"
grep -q "interfaces: lo" "$WORK/network-probe.txt" || fail "the builder saw more than loopback: $(cat "$WORK/network-probe.txt")"
[[ ! -s "$WORK/knocks" ]] || fail "a builder reached the host's loopback"
[[ -z "$("$DOCKER" ps -aq)" ]] || fail "containers left behind: $("$DOCKER" ps -a)"

# A canceled build's container goes too.
"$TINYMLAAS" build --model ad --board netduinoplus2 --builder sleeper --json > "$WORK/cancel.json"
id=$(json_field id < "$WORK/cancel.json")
for _ in $(seq 100); do [[ -n "$("$DOCKER" ps -q)" ]] && break; sleep 0.1; done
curl -fsS -X POST --data "" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/builds/$id/cancel" > /dev/null
for _ in $(seq 100); do [[ "$(build_json "$id" | json_field status)" == canceled ]] && break; sleep 0.1; done
[[ "$(build_json "$id" | json_field status)" == canceled ]] || fail "build $id is $(build_json "$id" | json_field status) after cancel"
for _ in $(seq 50); do [[ -z "$("$DOCKER" ps -aq)" ]] && break; sleep 0.1; done
[[ -z "$("$DOCKER" ps -aq)" ]] || fail "a canceled build's container was left behind"

# The daemon stops mid-build: the build fails saying so; the server keeps serving; after the
# daemon is back, the next build removes what the stop left behind.
"$TINYMLAAS" build --model ad --board netduinoplus2 --builder sleeper --json > "$WORK/stop.json"
id=$(json_field id < "$WORK/stop.json")
for _ in $(seq 100); do [[ -n "$("$DOCKER" ps -q)" ]] && break; sleep 0.1; done
[[ -n "$("$DOCKER" ps -q)" ]] || fail "the sleeper did not start"
"$(dirname "$0")/docker_fixture.sh" stop-daemon "$BUILD" "$SRC"
for _ in $(seq 200); do [[ "$(build_json "$id" | json_field status)" == failed ]] && break; sleep 0.1; done
reason=$(build_json "$id" | json_field reason)
[[ "$(build_json "$id" | json_field status)" == failed && "$reason" == *"Docker daemon"* ]] ||
  fail "build $id with the daemon stopped: $(build_json "$id")"
echo "daemon stopped: failed as expected: $reason"
curl -fsS "$URL/healthz" > /dev/null || fail "the server stopped serving with the daemon"
"$(dirname "$0")/docker_fixture.sh" start-daemon "$BUILD" "$SRC"
expect_failed exit-code "exited with code 3"
[[ -z "$("$DOCKER" ps -aq)" ]] || fail "containers left behind after the daemon restart: $("$DOCKER" ps -a)"

# The server is killed mid-build: its next start marks the build failed and removes the
# container the dead server left running.
"$TINYMLAAS" build --model ad --board netduinoplus2 --builder sleeper --json > "$WORK/kill.json"
id=$(json_field id < "$WORK/kill.json")
for _ in $(seq 100); do [[ -n "$("$DOCKER" ps -q)" ]] && break; sleep 0.1; done
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
[[ -n "$("$DOCKER" ps -q)" ]] || fail "the builder container should outlive the killed server"
start_server --docker "$DOCKER_HOST" --build-time-limit 4
[[ -z "$("$DOCKER" ps -aq)" ]] || fail "the restarted server left the dead server's container: $("$DOCKER" ps -a)"
[[ "$(build_json "$id" | json_field status)" == failed ]] || fail "build $id after the kill: $(build_json "$id")"
echo "server killed mid-build: container removed at restart, build failed: $(build_json "$id" | json_field reason)"

# The conformance suite calls each faulty image out.
for name in exit-code no-manifest; do
  set +e
  "$TINYMLAAS" builders check "tml-faulty-$name" --model "$SHARED/models/ad01_int8.tflite" --board netduinoplus2 \
    --time-limit 10 > "$WORK/check-$name.txt"
  rc=$?
  set -e
  [[ $rc -eq 1 ]] || fail "builders check tml-faulty-$name: exit $rc: $(cat "$WORK/check-$name.txt")"
  grep -q "not conformant" "$WORK/check-$name.txt" || fail "$(cat "$WORK/check-$name.txt")"
done
grep -q "^output files .*FAIL .*firmware.bin" "$WORK/check-no-manifest.txt" || fail "$(cat "$WORK/check-no-manifest.txt")"
grep -q "^good model builds .*FAIL .*exit code 3" "$WORK/check-exit-code.txt" || fail "$(cat "$WORK/check-exit-code.txt")"
[[ -z "$("$DOCKER" ps -aq)" ]] || fail "builders check left containers behind"
echo "builder faults: ok"
