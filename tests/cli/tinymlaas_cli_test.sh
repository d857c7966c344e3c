#!/usr/bin/env bash
# The tinymlaas CLI end to end, as a user drives it: a server on a free loopback port, the
# connection from a config file, push, build --wait, the log, artifacts, tmlc emulate.
set -euo pipefail
TINYMLAAS=$1
TMLC=$2
SHARED=$3
WORK=$(mktemp -d)
cleanup() { [[ -n "${PID:-}" ]] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$TINYMLAAS" serve --data "$WORK/data" --http 127.0.0.1:0 > "$WORK/serve.log" 2>&1 &
PID=$!
for _ in $(seq 200); do grep -q "serving http" "$WORK/serve.log" && break; sleep 0.05; done
URL=$(sed -n 's/^TinyMLaaS serving \(http:[^ ]*\) .*/\1/p' "$WORK/serve.log")
TOKEN=$(sed -n 's/^admin token (shown once): //p' "$WORK/serve.log")
[[ -n "$URL" && -n "$TOKEN" ]] || fail "server did not start: $(cat "$WORK/serve.log")"
export TINYMLAAS_CONFIG="$WORK/config.json"
unset TINYMLAAS_URL TINYMLAAS_TOKEN
printf '{"url": "%s", "token": "%s"}\n' "$URL" "$TOKEN" > "$TINYMLAAS_CONFIG"

"$TINYMLAAS" models push "$SHARED/models/kws_ref_model.tflite" --name kws > "$WORK/push.txt"
grep -q "arena 12336 bytes" "$WORK/push.txt" || fail "push: $(cat "$WORK/push.txt")"
"$TINYMLAAS" models ls | grep -q "^1 .*kws" || fail "models ls"
"$TINYMLAAS" build --model kws --board netduinoplus2 --wait > "$WORK/build.txt" || fail "build: $(cat "$WORK/build.txt")"
grep -q "build succeeded" "$WORK/build.txt" || fail "no streamed log: $(cat "$WORK/build.txt")"
"$TINYMLAAS" builds ls --json | python3 -c 'import json,sys; b=json.load(sys.stdin)["items"]; assert b[0]["status"]=="succeeded", b'
"$TINYMLAAS" builds log 1 | grep -q "linking for netduinoplus2" || fail "builds log"
"$TINYMLAAS" artifacts get 1 -o "$WORK/fw" > /dev/null
"$TMLC" emulate "$WORK/fw" --input "$SHARED/golden/kws_ref_model/input_4.bin" --output "$WORK/out.bin" > /dev/null
cmp "$WORK/out.bin" "$SHARED/golden/kws_ref_model/output_4.bin" || fail "downloaded firmware's output differs from golden"

READER=$("$TINYMLAAS" token create --data "$WORK/data" --name reader --read-only)
set +e
"$TINYMLAAS" models push "$SHARED/models/ad01_int8.tflite" --name ad --token "$READER" 2> "$WORK/err.txt"
rc=$?
"$TINYMLAAS" models ls --url http://127.0.0.1:1 2> "$WORK/err2.txt"
rc2=$?
set -e
[[ $rc -eq 2 ]] && grep -q "403: token 'reader' is read-only" "$WORK/err.txt" || fail "read-only push: rc=$rc $(cat "$WORK/err.txt")"
[[ $rc2 -eq 1 ]] && grep -q "cannot reach the server" "$WORK/err2.txt" || fail "unreachable: rc=$rc2 $(cat "$WORK/err2.txt")"
echo "tinymlaas CLI end-to-end: ok"
