#!/usr/bin/env bash
# Deployments as a user runs them: `tinymlaas serve` with its LwM2M server, an agent (qemu
# flasher) registered over DTLS that trusts the server's signing key. Model A is built and
# deployed as a FOTA: the device reports the new firmware version and answers A's golden
# output. Model B is deployed as a SOTA: only the model slot changes, the device answers B's
# golden output. Then the faults: a corrupted package (sha256 mismatch, result 5), an image
# that does not boot (result 8, the old image runs on), a download interrupted by the
# agent's restart that resumes with a Range request, a SOTA refused before anything is sent,
# a canary that holds the rest, a cancel; and the other deliveries: a coaps:// Package URI
# (Block2) and a push (a block-wise write of Package).
set -euo pipefail
TINYMLAAS=$1; AGENT=$2; SHARED=$3
WORK=$(mktemp -d)
source "$(dirname "$0")/../support/serve_helpers.sh"
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [[ -f "$WORK/agent.log" ]] && sed 's/^/agent: /' "$WORK/agent.log" | tail -40 >&2
  [[ -f "$WORK/serve.log" ]] && sed 's/^/serve: /' "$WORK/serve.log" | tail -20 >&2
  exit 1
}
COAPS=$(free_udp_port)
# The network between the gateway and the server: a pass-through HTTP proxy for Package URIs
# that, while $WORK/stall exists, lets a whole-file download stop after 150 kB and hang (a
# link that went quiet). Range requests always pass.
PROXY_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 - "$PROXY_PORT" "$WORK/target" "$WORK/stall" > "$WORK/proxy.log" 2>&1 <<'PY' &
import http.server, os, sys, time, urllib.error, urllib.request
port, target_file, stall_flag = int(sys.argv[1]), sys.argv[2], sys.argv[3]
class Proxy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        headers = {"Range": self.headers["Range"]} if self.headers["Range"] else {}
        try:
            reply = urllib.request.urlopen(urllib.request.Request(open(target_file).read().strip() + self.path, headers=headers))
        except urllib.error.HTTPError as e:
            reply = e
        self.send_response(reply.status)
        for k, v in reply.headers.items():
            if k.lower() in ("content-length", "content-range", "content-type", "etag", "accept-ranges"):
                self.send_header(k, v)
        self.end_headers()
        stall, sent = os.path.exists(stall_flag) and not headers, 0
        while chunk := reply.read(16384):
            self.wfile.write(chunk)
            self.wfile.flush()
            sent += len(chunk)
            if stall and sent >= 150000:
                time.sleep(3600)
    def log_message(self, *args):
        print(self.requestline, self.headers["Range"], flush=True)
http.server.ThreadingHTTPServer(("127.0.0.1", port), Proxy).serve_forever()
PY
PROXY_PID=$!
start_server --coaps 127.0.0.1:$COAPS --public-url "http://127.0.0.1:$PROXY_PORT"
echo "$URL" > "$WORK/target"

push_and_build() {  # model file, name, [build flags] -> build id
  "$TINYMLAAS" models push "$1" --name "$2" > /dev/null
  "$TINYMLAAS" build --model "$2" --board netduinoplus2 --wait "${@:3}" > "$WORK/build.txt" || fail "build: $(cat "$WORK/build.txt")"
  "$TINYMLAAS" builds ls --json | python3 -c 'import json,sys; print(max(b["id"] for b in json.load(sys.stdin)["items"]))'
}
# The device starts on a firmware built for vww; A is kws (FOTA), B is ad01 (SOTA).
BASE=$(push_and_build "$SHARED/models/vww_96_int8.tflite" vww)
"$TINYMLAAS" artifacts get "$BASE" -o "$WORK/base" > /dev/null
A=$(push_and_build "$SHARED/models/kws_ref_model.tflite" kws)
B=$(push_and_build "$SHARED/models/ad01_int8.tflite" ad01)
KEY=$("$TINYMLAAS" devices add gw-1 --tag lab | sed -n 's/^PSK key (hex, shown once): //p')
TRUST=$("$TINYMLAAS" signing-key)
[[ ${#TRUST} -eq 64 ]] || fail "signing-key: $TRUST"

start_agent() {  # extra agent flags... (the qemu flasher unless they name one)
  local flasher=(--flasher qemu); [[ " $* " == *" --flasher "* ]] && flasher=()
  "$AGENT" --server coaps://127.0.0.1:$COAPS --endpoint gw-1 --psk-key "$KEY" --board netduinoplus2 "${flasher[@]}" \
    --state "$WORK/agent" --lifetime 60 "$@" >> "$WORK/agent.log" 2>&1 &
  AGENT_PID=$!
  for _ in $(seq 300); do [[ $(grep -c "^registered at /rd/" "$WORK/agent.log") -gt ${REGISTERED:-0} ]] && break; sleep 0.1; done
  REGISTERED=$(grep -c "^registered at /rd/" "$WORK/agent.log")
  for _ in $(seq 50); do "$TINYMLAAS" devices show gw-1 --json | grep -q '"firmware_version": "' && return; sleep 0.1; done
  fail "the agent did not register"
}
stop_agent() { kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null || true; AGENT_PID=; }
device_field() { "$TINYMLAAS" devices show gw-1 --json | json_field "$1"; }
deployment_json() { curl -fsS -H "Authorization: Bearer $TOKEN" "$URL/api/v1/deployments/$1"; }
target_field() {  # deployment id, field
  deployment_json "$1" | python3 -c 'import json,sys; v=json.load(sys.stdin)["devices"][0][sys.argv[1]]; print("" if v is None else v)' "$2"
}
golden() {  # model dir name, input number
  "$TINYMLAAS" infer gw-1 --input "$SHARED/golden/$1/input_$2.bin" --output "$WORK/out.bin" > /dev/null || fail "infer $1"
  cmp "$WORK/out.bin" "$SHARED/golden/$1/output_$2.bin" || fail "the device's output for $1 input $2 differs from golden"
}
plan_sha() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["plan"]["sha256"])' "$1/manifest.json"; }

start_agent --firmware "$WORK/base" --trust-key "$TRUST"
[[ $(device_field firmware_version) == image-* ]] || fail "first firmware: $(device_field firmware_version)"

# FOTA of A: the progress reaches the user, the device runs build A and answers A's golden output.
"$TINYMLAAS" deploy "$A" --to gw-1 --kind fota --wait > "$WORK/fota.txt" || fail "fota: $(cat "$WORK/fota.txt")"
grep -q "succeeded" "$WORK/fota.txt" || fail "$(cat "$WORK/fota.txt")"
[[ $(device_field firmware_version) == "build-$A" ]] || fail "firmware version after fota: $(device_field firmware_version)"
"$TINYMLAAS" artifacts get "$A" -o "$WORK/a" > /dev/null
[[ $(device_field model_sha256) == "$(plan_sha "$WORK/a")" ]] || fail "model after fota"
grep -q "signature verified" "$WORK/agent.log" || fail "the agent did not verify the signature"
golden kws_ref_model 1
cp "$WORK/agent/current/firmware.bin" "$WORK/before-sota.bin"

# SOTA of B: only the model slot changes.
"$TINYMLAAS" deploy "$B" --to gw-1 --kind sota --wait > "$WORK/sota.txt" || fail "sota: $(cat "$WORK/sota.txt")"
"$TINYMLAAS" artifacts get "$B" -o "$WORK/b" > /dev/null
[[ $(device_field model_sha256) == "$(plan_sha "$WORK/b")" ]] || fail "model after sota: $(device_field model_sha256)"
[[ $(device_field firmware_version) == "build-$A" ]] || fail "a sota changed the firmware version"
python3 - "$WORK/before-sota.bin" "$WORK/agent/current/firmware.bin" "$WORK/a/manifest.json" <<'PY' || fail "sota changed more than the model slot"
import json, sys
old, new = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
m = json.load(open(sys.argv[3]))
slot = m["flash_layout"]["model_slot"]["address"] - m["flash_layout"]["image_base"]
assert old[:slot] == new[:slot], "bytes before the model slot changed"
assert old[slot:] != new[slot:], "the model slot did not change"
PY
golden ad01_int8 1

# The agent keeps its object 9 instances: after a restart /9/0 is still installed and active.
stop_agent
start_agent --trust-key "$TRUST"
grep -q "sota /9/0: restored: update state 4, active" "$WORK/agent.log" || fail "/9/0 was not restored"
"$TINYMLAAS" devices read gw-1 /9/0 --json | python3 -c '
import json, sys
v = {r["path"]: r["value"] for r in json.load(sys.stdin)["records"]}
assert v["/9/0/7"] == 4 and v["/9/0/12"] is True and v["/9/0/1"] == "build-" + sys.argv[1], v' "$B" ||
  fail "/9/0 after a restart: $("$TINYMLAAS" devices read gw-1 /9/0)"
golden ad01_int8 2

# The other deliveries: FOTA of A again from a coaps:// Package URI, fetched block by block
# (Block2) over the device's own DTLS session; then SOTA of B pushed by a block-wise write of
# Package (9/N/2).
"$TINYMLAAS" deploy "$A" --to gw-1 --kind fota --delivery coap-pull --wait > "$WORK/coap.txt" || fail "coap-pull: $(cat "$WORK/coap.txt")"
grep -q "fota: downloading coaps://127.0.0.1:$COAPS/pkg/" "$WORK/agent.log" || fail "the agent did not fetch over CoAP"
[[ $(device_field model_sha256) == "$(plan_sha "$WORK/a")" ]] || fail "model after the coap-pull fota"
golden kws_ref_model 2
"$TINYMLAAS" deploy "$B" --to gw-1 --kind sota --delivery push --wait > "$WORK/push.txt" || fail "push: $(cat "$WORK/push.txt")"
[[ $(device_field model_sha256) == "$(plan_sha "$WORK/b")" ]] || fail "model after the pushed sota"
golden ad01_int8 1

# Canary and cancel: gw-2 is provisioned but never comes online. It waits while the canary
# (gw-1) updates (a held device says so; once the canary succeeded it would say "offline"),
# keeps its place offline afterwards, and a cancel ends it.
"$TINYMLAAS" devices add gw-2 > /dev/null
"$TINYMLAAS" deploy "$A" --to gw-1,gw-2 --kind fota --strategy canary --canary 1 > "$WORK/canary.txt" || fail "canary: $(cat "$WORK/canary.txt")"
C=$(sed -n 's/^deployment \([0-9]*\):.*/\1/p' "$WORK/canary.txt")
target2() { deployment_json "$C" | python3 -c 'import json,sys; t=[d for d in json.load(sys.stdin)["devices"] if d["endpoint"]=="gw-2"][0]; print(t["status"], t["detail"])'; }
for _ in $(seq 50); do [[ $(target2) == "pending waiting for the canary" ]] && break; sleep 0.1; done
[[ $(target2) == "pending waiting for the canary" ]] || fail "gw-2 during the canary: $(target2)"
for _ in $(seq 300); do [[ $(target_field "$C" status) == succeeded ]] && break; sleep 0.1; done
[[ $(target_field "$C" status) == succeeded ]] || fail "the canary: $(deployment_json "$C")"
for _ in $(seq 50); do [[ $(target2) == *offline* ]] && break; sleep 0.1; done
[[ $(target2) == *offline* ]] || fail "gw-2 after the canary: $(target2)"
"$TINYMLAAS" deployments cancel "$C" > /dev/null || fail "cancel"
for _ in $(seq 50); do deployment_json "$C" | grep -q '"status": *"canceled"' && break; sleep 0.1; done
[[ $(target2) == "canceled canceled by an operator" ]] || fail "gw-2 after the cancel: $(target2)"
deployment_json "$C" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["status"]=="canceled" and "1 succeeded" in d["reason"], d' ||
  fail "the canceled deployment: $(deployment_json "$C")"

# The command flasher (a template for st-flash/openocd on a real gateway): here dd into a file
# that stands for the MCU's flash. After a SOTA of B it holds exactly the image the board runs.
stop_agent
cp "$WORK/agent/current/firmware.bin" "$WORK/mcu.bin"
start_agent --trust-key "$TRUST" --flasher command \
  --flash-command "dd if={file} of=$WORK/mcu.bin bs=1 seek={offset} conv=notrunc status=none && echo flashed {kind} {bytes} bytes at {address} for {board}"
"$TINYMLAAS" deploy "$B" --to gw-1 --kind sota --wait > "$WORK/cmd.txt" || fail "sota with the command flasher: $(cat "$WORK/cmd.txt")"
cmp "$WORK/mcu.bin" "$WORK/agent/current/firmware.bin" || fail "the command flasher did not write the model slot"
golden ad01_int8 1
stop_agent
start_agent --trust-key "$TRUST"

# A SOTA the firmware cannot run is refused before anything is sent, naming what is missing
# (here: a model built for another board).
"$TINYMLAAS" build --model ad01 --board mps2-an386 --wait > "$WORK/build.txt" || fail "build: $(cat "$WORK/build.txt")"
OTHER=$("$TINYMLAAS" builds ls --json | python3 -c 'import json,sys; print(max(b["id"] for b in json.load(sys.stdin)["items"]))')
set +e
"$TINYMLAAS" deploy "$OTHER" --to gw-1 --kind sota > /dev/null 2> "$WORK/refused.txt"
rc=$?
set -e
[[ $rc -ne 0 ]] && grep -q "cannot run this model: the model was built for board mps2-an386, the device is a netduinoplus2" \
  "$WORK/refused.txt" || fail "sota for another board: rc $rc $(cat "$WORK/refused.txt")"
[[ $("$TINYMLAAS" deployments ls --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))') == 6 ]] ||
  fail "a refused deployment was recorded"

# Packages the test makes itself, served from its own loopback HTTP server.
mkdir -p "$WORK/www"
python3 - "$WORK/www" "$WORK/a" <<'PY'
import hashlib, io, json, sys, tarfile
out, a = sys.argv[1], sys.argv[2]
manifest = json.load(open(a + "/manifest.json"))
def package(name, image, manifest, sign=False):
    m = json.dumps(manifest).encode()
    desc = {"format": "tinymlaas-package/1", "kind": "firmware", "build_id": 999, "version": "build-999",
            "board": "netduinoplus2",
            "files": {"manifest.json": {"sha256": hashlib.sha256(m).hexdigest(), "bytes": len(m)},
                      "firmware.bin": {"sha256": hashlib.sha256(image).hexdigest(), "bytes": len(image)}}}
    return desc, m
good = open(a + "/firmware.bin", "rb").read()
def write(name, files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for fname, data in files:
            info = tarfile.TarInfo(fname); info.size = len(data); t.addfile(info, io.BytesIO(data))
    open(out + "/" + name, "wb").write(buf.getvalue())
# corrupt.tar: package.json lists the real image's sha256, the image has one byte flipped.
desc, m = package("corrupt", good, manifest)
bad = bytearray(good); bad[len(bad) // 2] ^= 0xFF
write("corrupt.tar", [("package.json", json.dumps(desc).encode()), ("manifest.json", m), ("firmware.bin", bytes(bad))])
# noboot.tar: consistent sha256s, but an image of zeros: it cannot boot.
zeros = bytes(len(good))
nm = dict(manifest); nm["image"] = dict(manifest["image"]); nm["image"]["sha256"] = hashlib.sha256(zeros).hexdigest()
desc, m = package("noboot", zeros, nm)
write("noboot.tar", [("package.json", json.dumps(desc).encode()), ("manifest.json", m), ("firmware.bin", zeros)])
PY
HTTP_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$HTTP_PORT" --bind 127.0.0.1 --directory "$WORK/www" > "$WORK/http.log" 2>&1 &
HTTP_PID=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$HTTP_PORT/corrupt.tar" -o /dev/null && break; sleep 0.1; done

wait_fota_idle() {  # expected update result
  for _ in $(seq 300); do
    state=$("$TINYMLAAS" devices read gw-1 /5/0/3 | awk '{print $NF}')
    result=$("$TINYMLAAS" devices read gw-1 /5/0/5 | awk '{print $NF}')
    [[ $state == 0 && $result == "$1" ]] && return
    sleep 0.2
  done
  fail "Update Result $result (state $state), not $1"
}
# Unsigned: this agent trusts only the server's signature (integrity failure, 5).
"$TINYMLAAS" devices write gw-1 /5/0/1 "\"http://127.0.0.1:$HTTP_PORT/noboot.tar\"" > /dev/null
wait_fota_idle 5
grep -q "not signed" "$WORK/agent.log" || fail "the unsigned package was not refused as such"
# Without a trusted key: a corrupted image (5) and an image that does not boot (8, rolled back).
stop_agent
start_agent
"$TINYMLAAS" devices write gw-1 /5/0/1 "\"http://127.0.0.1:$HTTP_PORT/corrupt.tar\"" > /dev/null
wait_fota_idle 5
grep -q "firmware.bin: sha256 .* is not the" "$WORK/agent.log" || fail "no sha256 mismatch in the agent's log"
"$TINYMLAAS" devices write gw-1 /5/0/1 "\"http://127.0.0.1:$HTTP_PORT/noboot.tar\"" > /dev/null
for _ in $(seq 100); do "$TINYMLAAS" devices read gw-1 /5/0/3 | grep -q " 2$" && break; sleep 0.2; done
"$TINYMLAAS" devices exec gw-1 /5/0/2 > /dev/null || fail "Update"
wait_fota_idle 8
grep -q "rolled back to build-$A" "$WORK/agent.log" || fail "no rollback in the agent's log"
[[ $(device_field firmware_version) == "build-$A" ]] || fail "after a failed update: $(device_field firmware_version)"
golden ad01_int8 2

# A download interrupted by the agent's restart resumes where it stopped (HTTP Range).
stop_agent
start_agent --trust-key "$TRUST"
touch "$WORK/stall"
"$TINYMLAAS" deploy "$BASE" --to gw-1 --kind fota > "$WORK/d.txt" || fail "deploy: $(cat "$WORK/d.txt")"
D=$(sed -n 's/^deployment \([0-9]*\):.*/\1/p' "$WORK/d.txt")
part_bytes() { cat "$WORK"/agent/downloads/*.part 2>/dev/null | wc -c; }
for _ in $(seq 300); do [[ $(part_bytes) -ge 100000 ]] && break; sleep 0.1; done
[[ $(part_bytes) -ge 100000 ]] || fail "no partial download: $(ls -l "$WORK/agent/downloads" 2>&1)"
rm "$WORK/stall"
stop_agent
"$TINYMLAAS" devices ls | grep -q "^gw-1 .*offline" || fail "the stopped agent is online"
[[ $(target_field "$D" status) == downloading ]] || fail "status while offline: $(deployment_json "$D")"
start_agent --trust-key "$TRUST"
"$TINYMLAAS" deployments show "$D" --wait > "$WORK/resumed.txt" || fail "resumed deployment: $(cat "$WORK/resumed.txt")"
grep -q "resuming at [1-9][0-9]* bytes" "$WORK/agent.log" || fail "the download started over"
[[ $(device_field firmware_version) == "build-$BASE" ]] || fail "after the resumed fota: $(device_field firmware_version)"
golden vww_96_int8 1
"$TINYMLAAS" deployments ls | grep -q "^$D .*succeeded" || fail "deployments ls: $("$TINYMLAAS" deployments ls)"
echo "fota, sota, faults and resume through LwM2M: ok"
