# Shared by the shell tests that drive `tinymlaas serve`: start one on a free loopback port
# (data in $WORK/data) and point the CLI at it. Needs WORK and TINYMLAAS.
fail() { echo "FAIL: $*" >&2; exit 1; }

# Stops what a test started (the pids in SERVER_PID, AGENT_PID, HTTP_PID, PROXY_PID,
# LISTENER_PID) and removes $WORK: `trap cleanup EXIT`.
cleanup() {
  for pid in ${AGENT_PID:-} ${HTTP_PID:-} ${PROXY_PID:-} ${LISTENER_PID:-} ${SERVER_PID:-}; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}

start_server() {  # extra serve flags...
  "$TINYMLAAS" serve --data "$WORK/data" --http 127.0.0.1:0 "$@" >"$WORK/serve.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 200); do grep -q "serving http" "$WORK/serve.log" && break; sleep 0.05; done
  URL=$(sed -n 's/^TinyMLaaS serving \(http:[^ ]*\) .*/\1/p' "$WORK/serve.log")
  # The admin token is printed on the first start only: a restart keeps the one we have.
  TOKEN=$(sed -n 's/^admin token (shown once): //p' "$WORK/serve.log" | grep . || echo "${TOKEN:-}")
  [[ -n "$URL" && -n "$TOKEN" ]] || fail "server did not start: $(cat "$WORK/serve.log")"
  export TINYMLAAS_URL=$URL TINYMLAAS_TOKEN=$TOKEN
}

build_json() {  # build id -> the build's JSON
  curl -fsS -H "Authorization: Bearer $TOKEN" "$URL/api/v1/builds/$1"
}

json_field() {  # field, JSON on stdin
  python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print("" if v is None else v)' "$1"
}

free_udp_port() {  # a loopback UDP port nobody uses now
  python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
