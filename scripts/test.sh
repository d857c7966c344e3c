#!/usr/bin/env bash
# README command 2 and CI: set up, build (with the clang-built fuzz targets), run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh -DTML_BUILD_FUZZ=ON
cd build
ctest --output-on-failure -j "$(nproc)"
