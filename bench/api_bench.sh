#!/usr/bin/env bash
# bench/api: drives a running `tinymlaas serve` with wrk on loopback and prints requests/s
# and p50/p99 latency for GET /healthz, GET /api/v1/models (100 models) and a model upload,
# the server's RSS, and the ceiling: Debian's nginx serving a small static file under the same
# load. Goals (issue 5): /healthz >= half of nginx's rate; the 100-model list >= 3,000 req/s
# on 2 cores. Printed, never asserted.
#
#   bench/api_bench.sh [BUILD_DIR] [SECONDS]      (also writes bench-api.json)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SECONDS_EACH=${2:-5}
SHARED=${SHARED:-../shared}
command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "needs wrk and nginx (scripts/setup.sh --bench)"; exit 1; }
WORK=$(mktemp -d)
cleanup() {
  [[ -n "${SERVER_PID:-}" ]] && kill "$SERVER_PID" 2>/dev/null || true
  [[ -f "$WORK/nginx.pid" ]] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BUILD/src/cli/tinymlaas" serve --data "$WORK/data" --http 127.0.0.1:0 --workers 1 > "$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do grep -q "serving http" "$WORK/serve.log" && break; sleep 0.05; done
URL=$(sed -n 's/^TinyMLaaS serving \(http:[^ ]*\) .*/\1/p' "$WORK/serve.log")
TOKEN=$(sed -n 's/^admin token (shown once): //p' "$WORK/serve.log")
MODEL="$SHARED/models/ad01_int8.tflite"
for i in $(seq 100); do
  TINYMLAAS_URL=$URL TINYMLAAS_TOKEN=$TOKEN "$BUILD/src/cli/tinymlaas" models push "$MODEL" --name "m$i" > /dev/null
done

# An upload per request, each under a new name.
cat > "$WORK/upload.lua" <<LUA
local f = io.open("$MODEL", "rb"); local body = f:read("*a"); f:close()
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/api/v1/models?name=u" .. math.random(1, 1000000000) .. "x" .. n, {
    ["Authorization"] = "Bearer $TOKEN", ["Content-Type"] = "application/octet-stream"}, body)
end
LUA

mkdir -p "$WORK/www" && head -c 1024 /dev/zero | tr '\0' 'x' > "$WORK/www/small.txt"
NGINX_PORT=$((20000 + RANDOM % 20000))
cat > "$WORK/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK; proxy_temp_path $WORK; fastcgi_temp_path $WORK; uwsgi_temp_path $WORK; scgi_temp_path $WORK;
  server { listen 127.0.0.1:$NGINX_PORT; root $WORK/www; }
}
CONF
nginx -c "$WORK/nginx.conf" -p "$WORK"

# wrk's --latency output -> "requests/s p50 p99" (latencies in ms).
run() {
  local out
  out=$(wrk -t2 -c16 -d"${SECONDS_EACH}s" --latency "$@" 2>&1)
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  echo "$rps $(to_ms "$p50") $(to_ms "$p99")"
}
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.3f", v/1000; else if (v ~ /ms$/) printf "%.3f", v+0; else printf "%.3f", v*1000 }'; }

read -r nginx_rps nginx_p50 nginx_p99 < <(run "http://127.0.0.1:$NGINX_PORT/small.txt")
read -r health_rps health_p50 health_p99 < <(run "$URL/healthz")
read -r list_rps list_p50 list_p99 < <(run -H "Authorization: Bearer $TOKEN" "$URL/api/v1/models?limit=100")
read -r up_rps up_p50 up_p99 < <(run -s "$WORK/upload.lua" "$URL")
RSS_KB=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")

printf "\n%-34s %12s %10s %10s\n" "load (wrk -t2 -c16, ${SECONDS_EACH}s each)" "requests/s" "p50 ms" "p99 ms"
printf "%-34s %12s %10s %10s\n" "nginx, 1 KB static file (ceiling)" "$nginx_rps" "$nginx_p50" "$nginx_p99"
printf "%-34s %12s %10s %10s\n" "GET /healthz" "$health_rps" "$health_p50" "$health_p99"
printf "%-34s %12s %10s %10s\n" "GET /api/v1/models (100 models)" "$list_rps" "$list_p50" "$list_p99"
printf "%-34s %12s %10s %10s\n" "POST /api/v1/models (277 KB)" "$up_rps" "$up_p50" "$up_p99"
printf "\nserver RSS after the run: %s KB\n" "$RSS_KB"
awk -v h="$health_rps" -v n="$nginx_rps" -v l="$list_rps" 'BEGIN {
  printf "healthz / nginx = %.2f (goal >= 0.50); model list = %.0f req/s (goal >= 3000)\n", h / n, l }'
cat > bench-api.json <<JSON
{"nginx": {"rps": $nginx_rps, "p50_ms": $nginx_p50, "p99_ms": $nginx_p99},
 "healthz": {"rps": $health_rps, "p50_ms": $health_p50, "p99_ms": $health_p99},
 "models_list_100": {"rps": $list_rps, "p50_ms": $list_p50, "p99_ms": $list_p99},
 "model_upload": {"rps": $up_rps, "p50_ms": $up_p50, "p99_ms": $up_p99},
 "server_rss_kb": $RSS_KB}
JSON
echo "JSON: bench-api.json"
