#!/usr/bin/env bash
# Runs build/bench/builds against a Docker daemon and a loopback registry of its own (the
# test fixture's): builds the reference builder image, pushes it, measures, stops them.
#
#   bench/builds_bench.sh [BUILD_DIR]     (default: build)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
FIXTURE=$SRC/tests/docker/docker_fixture.sh
"$FIXTURE" start "$BUILD" "$SRC"
trap '"$FIXTURE" stop "$BUILD" "$SRC"' EXIT
source "$BUILD/docker/env"
cd "$BUILD"
"$DOCKER" build -q --network host -t netduinoplus2-builder builders/cortex-m > /dev/null
"$DOCKER" tag netduinoplus2-builder "$REGISTRY/netduinoplus2-builder:bench"
"$DOCKER" push "$REGISTRY/netduinoplus2-builder:bench" > /dev/null
# Only the registry reference may name the image: removing it then really empties the cache.
"$DOCKER" rmi netduinoplus2-builder > /dev/null
"$BUILD/bench/builds" --image "$REGISTRY/netduinoplus2-builder:bench" --docker "$DOCKER_HOST" --json "$BUILD/bench-builds.json"
