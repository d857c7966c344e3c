#!/usr/bin/env bash
# Installs every Debian package the project needs to build and test. Idempotent: packages
# already present are not touched, and apt-get update runs only when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config git python3
  clang libclang-rt-14-dev                      # libFuzzer and sanitizers
  flatbuffers-compiler libflatbuffers-dev       # TFLite reader
  libexpected-dev nlohmann-json3-dev libcli11-dev libssl-dev libsqlite3-dev libcpp-httplib-dev prometheus-cpp-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm   # firmware and its emulated boards
  libcurl4-openssl-dev libarchive-dev           # the Docker Engine API client (unix socket, tar)
  docker.io debootstrap docker-registry         # builder images: daemon, offline base image, registry
  libcoap3-dev libcbor-dev libcoap3-bin         # LwM2M: CoAP/DTLS, SenML CBOR, libcoap's clients as test peers
)

# `scripts/setup.sh --bench` adds the load tools bench/api_bench.sh uses (nginx is the ceiling).
if [[ "${1:-}" == --bench ]]; then PACKAGES+=(wrk nginx-light); fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Front-end assets (Swagger UI) from the npm registry, exactly as locked.
if [[ ! -d web/node_modules/swagger-ui-dist || web/package-lock.json -nt web/node_modules/.package-lock.json ]]; then
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
