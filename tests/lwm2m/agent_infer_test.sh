#!/usr/bin/env bash
# A gateway as a user sets it up: `tinymlaas serve` with its LwM2M server, a device
# provisioned, a firmware built by the service, `tinymlaas-agent` (qemu flasher, its settings
# in a config file) registering over DTLS with the printed key. Then the device is read through the API and answers the
# golden output of the model through the inference object, computed by the firmware on the
# emulated microcontroller.
set -euo pipefail
TINYMLAAS=$1; AGENT=$2; SHARED=$3
WORK=$(mktemp -d)
source "$(dirname "$0")/../support/serve_helpers.sh"
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [[ -f "$WORK/agent.log" ]] && sed 's/^/agent: /' "$WORK/agent.log" >&2; exit 1; }
COAPS=$(free_udp_port)
start_server --coaps 127.0.0.1:$COAPS

"$TINYMLAAS" models push "$SHARED/models/kws_ref_model.tflite" --name kws > /dev/null
"$TINYMLAAS" build --model kws --board netduinoplus2 --wait > "$WORK/build.txt" || fail "build: $(cat "$WORK/build.txt")"
"$TINYMLAAS" artifacts get 1 -o "$WORK/fw" > /dev/null
KEY=$("$TINYMLAAS" devices add gw-1 | sed -n 's/^PSK key (hex, shown once): //p')

# The gateway's settings in a config file (TOML), as a gateway keeps them.
cat > "$WORK/agent.toml" <<TOML
server = "coaps://127.0.0.1:$COAPS"
endpoint = "gw-1"
psk-key = "$KEY"
board = "netduinoplus2"
flasher = "qemu"
state = "$WORK/agent"
firmware = "$WORK/fw"
lifetime = 60
TOML
"$AGENT" --config "$WORK/agent.toml" > "$WORK/agent.log" 2>&1 &
AGENT_PID=$!
for _ in $(seq 300); do grep -q "^registered at /rd/" "$WORK/agent.log" && break; sleep 0.1; done
grep -q "^registered at /rd/" "$WORK/agent.log" || fail "the agent did not register"
"$TINYMLAAS" devices ls | grep -q "^gw-1 .*online .*dtls.*/3/0.*/26241/0" || fail "devices ls: $("$TINYMLAAS" devices ls)"

plan_sha=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["plan"]["sha256"])' "$WORK/fw/manifest.json")
"$TINYMLAAS" devices read gw-1 /3/0 > "$WORK/device.txt" || fail "devices read: $(cat "$WORK/device.txt")"
grep -q "^/3/0/1 .*Model Number .*netduinoplus2" "$WORK/device.txt" || fail "$(cat "$WORK/device.txt")"
grep -q "^/3/0/19 .*Software Version .*$plan_sha" "$WORK/device.txt" || fail "model sha256 $plan_sha not reported: $(cat "$WORK/device.txt")"
"$TINYMLAAS" devices show gw-1 --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["model_sha256"] == sys.argv[1], d
assert d["firmware_version"].startswith("image-"), d' "$plan_sha" || fail "devices show lacks the running model and firmware"
"$TINYMLAAS" devices read gw-1 /26241 --format link > "$WORK/discover.txt" || fail "discover: $(cat "$WORK/discover.txt")"
grep -qx "</26241/0/1>" "$WORK/discover.txt" && grep -qx "</26241/0>" "$WORK/discover.txt" || fail "discover: $(cat "$WORK/discover.txt")"
"$TINYMLAAS" devices read gw-1 /3/0 --format link | grep -qx "</3/0/11>;dim=1" || fail "discover of a multiple resource lacks dim"
for format in tlv senml-cbor; do
  "$TINYMLAAS" devices read gw-1 /3/0/19 --format $format | grep -q "$plan_sha" || fail "read in $format"
done

for i in 1 7; do
  "$TINYMLAAS" infer gw-1 --input "$SHARED/golden/kws_ref_model/input_$i.bin" --output "$WORK/out_$i.bin" > "$WORK/infer.txt" ||
    fail "infer: $(cat "$WORK/infer.txt")"
  cmp "$WORK/out_$i.bin" "$SHARED/golden/kws_ref_model/output_$i.bin" || fail "the device's output for input $i differs from golden"
done
grep -q "12 output bytes in [0-9]* cycles" "$WORK/infer.txt" || fail "$(cat "$WORK/infer.txt")"
"$TINYMLAAS" devices read gw-1 /26241/0/6 | grep -q " 2$" || fail "inference count: $("$TINYMLAAS" devices read gw-1 /26241/0/6)"
"$TINYMLAAS" devices ls | grep -q "^gw-1 .*/1/0,/3/0,/5/0,/26241/0" || fail "the Server and Firmware Update objects are not registered: $("$TINYMLAAS" devices ls)"

# The server object: a new lifetime reaches the registration; Reboot boots the board again.
"$TINYMLAAS" devices write gw-1 /1/0/1 120 > /dev/null || fail "write the lifetime"
for _ in $(seq 50); do
  "$TINYMLAAS" devices show gw-1 --json | python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)["registration"]["lifetime"] != 120)' && break
  sleep 0.1
done
"$TINYMLAAS" devices show gw-1 --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["registration"]["lifetime"] == 120, d'
"$TINYMLAAS" devices read gw-1 /0 2> "$WORK/sec.txt" && fail "the Security object was readable"
grep -q "4.01" "$WORK/sec.txt" || fail "reading the Security object: $(cat "$WORK/sec.txt")"
"$TINYMLAAS" devices exec gw-1 /3/0/4 > /dev/null || fail "reboot"
"$TINYMLAAS" infer gw-1 --input "$SHARED/golden/kws_ref_model/input_2.bin" --output "$WORK/out_2.bin" > /dev/null || fail "infer after reboot"
cmp "$WORK/out_2.bin" "$SHARED/golden/kws_ref_model/output_2.bin" || fail "the rebooted device's output differs from golden"

# Errors reach the user as such: a wrong-size input, a read-only resource.
set +e
head -c 7 /dev/zero > "$WORK/short.bin"
"$TINYMLAAS" infer gw-1 --input "$WORK/short.bin" 2> "$WORK/err.txt"
rc=$?
"$TINYMLAAS" devices write gw-1 /3/0/0 '"someone else"' 2> "$WORK/err2.txt"
rc2=$?
set -e
[[ $rc -ne 0 ]] && grep -q "run: the device answered 4.00" "$WORK/err.txt" || fail "short input: rc $rc, $(cat "$WORK/err.txt")"
[[ $rc2 -ne 0 ]] && grep -q "4.05 /3/0/0 (Manufacturer) is not writable" "$WORK/err2.txt" || fail "read-only write: $(cat "$WORK/err2.txt")"

kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null || true; AGENT_PID=
"$TINYMLAAS" devices ls | grep -q "^gw-1 .*offline" || fail "the stopped agent is still online"
echo "agent on QEMU, inference through LwM2M: ok"
