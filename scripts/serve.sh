#!/usr/bin/env bash
# The main job (README command 1): set up, build, and run `tinymlaas serve` on the embedded
# default (SQLite and blobs in ./tinymlaas-data, the local build runner). It prints the URL
# and, on the first start, an admin token. Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec build/src/cli/tinymlaas serve --data "${TINYMLAAS_DATA:-tinymlaas-data}" --http "${TINYMLAAS_HTTP:-127.0.0.1:8080}" \
  --coaps "${TINYMLAAS_COAPS:-127.0.0.1:5684}" --coap "${TINYMLAAS_COAP:-127.0.0.1:5683}" "$@"
