#!/usr/bin/env bash
# Devices as a user and a foreign LwM2M client see them: `tinymlaas serve` with its LwM2M
# server on loopback (DTLS-PSK and plain CoAP), a device provisioned with `devices add`,
# libcoap's own client registering with the printed key, a wrong key and an unprovisioned
# endpoint refused, `devices ls` showing online/offline, de-registration.
set -euo pipefail
TINYMLAAS=$1
WORK=$(mktemp -d)
source "$(dirname "$0")/../support/serve_helpers.sh"
trap cleanup EXIT
for tool in coap-client-openssl coap-client-notls; do
  command -v $tool > /dev/null || fail "$tool is missing: install libcoap3-bin (scripts/setup.sh does)"
done
COAP=$(free_udp_port); COAPS=$(free_udp_port)

set +e
"$TINYMLAAS" serve --data "$WORK/x" --http 127.0.0.1:0 --coap 0.0.0.0:$COAP > "$WORK/refused.txt" 2>&1
rc=$?
set -e
[[ $rc -ne 0 ]] && grep -q "plain CoAP is only served on a loopback address" "$WORK/refused.txt" ||
  fail "plain CoAP on a public address: rc $rc, $(cat "$WORK/refused.txt")"

start_server --coap 127.0.0.1:$COAP --coaps 127.0.0.1:$COAPS
grep -q "LwM2M server: coaps://127.0.0.1:$COAPS" "$WORK/serve.log" || fail "no LwM2M line: $(cat "$WORK/serve.log")"

"$TINYMLAAS" devices add gw-1 --tag lab > "$WORK/add.txt"
KEY_HEX=$(sed -n 's/^PSK key (hex, shown once): //p' "$WORK/add.txt")
[[ ${#KEY_HEX} -eq 32 ]] || fail "devices add: $(cat "$WORK/add.txt")"
"$TINYMLAAS" devices show gw-1 | grep -q '"psk_key"' && fail "the key is shown again after provisioning"
KEY=$(printf '%s' "$KEY_HEX" | sed 's/../\\x&/g')

register() {  # scheme, port, endpoint, extra client args... -> the client's output
  local scheme=$1 port=$2 ep=$3; shift 3
  local client=coap-client-notls; [[ $scheme == coaps ]] && client=coap-client-openssl
  $client -B 10 -v 7 -m post -t 40 -e '</1/0>,</3/0>,</5/0>,</26241/0>' "$@" "$scheme://127.0.0.1:$port/rd?ep=$ep&lt=300&lwm2m=1.1&b=U" 2>&1
}

# One more try when the handshake stalls: on a loaded 2-core machine coap-client's DTLS
# handshake with any server occasionally never completes (seen about once in 7 runs, with the
# server's Finished received), and a device would simply register again.
out=$(register coaps $COAPS gw-1 -u gw-1 -k "$(printf "$KEY")")
grep -q "c:2.01" <<< "$out" || out=$(register coaps $COAPS gw-1 -u gw-1 -k "$(printf "$KEY")")
grep -q "c:2.01" <<< "$out" || fail "DTLS registration with the provisioned key: $out"
"$TINYMLAAS" devices ls > "$WORK/ls.txt"
grep -q "^gw-1 .*online .*300 .*dtls.*/1/0,/3/0,/5/0,/26241/0" "$WORK/ls.txt" || fail "devices ls: $(cat "$WORK/ls.txt")"
"$TINYMLAAS" devices show gw-1 --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["online"] and d["registration"]["secure"] and d["registration"]["lifetime"] == 300, d
assert d["tags"] == ["lab"], d'

# A wrong key never gets past the handshake; an unprovisioned endpoint is refused.
"$TINYMLAAS" devices add gw-2 > /dev/null
out=$(register coaps $COAPS gw-2 -u gw-2 -k wrong-key -B 3)
grep -q "c:2.01" <<< "$out" && fail "a wrong key registered: $out"
"$TINYMLAAS" devices show gw-2 --json | python3 -c 'import json,sys; assert not json.load(sys.stdin)["online"]'
out=$(register coap $COAP stranger)
grep -q "c:4.03" <<< "$out" && grep -q "not provisioned" <<< "$out" || fail "unprovisioned endpoint: $out"

# Plain CoAP (loopback) for a provisioned endpoint, then de-registration.
out=$(register coap $COAP gw-2)
grep -q "c:2.01" <<< "$out" || fail "plain CoAP registration: $out"
location=$(sed -n 's/.*Location-Path:rd, Location-Path:\([0-9a-f]*\).*/\1/p' <<< "$out" | head -1)
"$TINYMLAAS" devices ls | grep -q "^gw-2 .*online" || fail "gw-2 is not online"
out=$(coap-client-notls -B 10 -v 7 -m delete "coap://127.0.0.1:$COAP/rd/$location" 2>&1)
grep -q "c:2.02" <<< "$out" || fail "de-register: $out"
"$TINYMLAAS" devices ls | grep -q "^gw-2 .*offline" || fail "gw-2 is still online after de-registering"
grep -q "lwm2m: gw-2 deregistered" "$WORK/serve.log" || fail "the server log lacks the de-registration"
echo "devices over LwM2M: ok"
