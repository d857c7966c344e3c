#!/usr/bin/env bash
# The main job (README command 1): set up, build, then compile a shared MLPerf Tiny model
# with tmlc, inspect its plan, run it on the host, build its firmware for netduinoplus2 and
# run that on QEMU, printing the result tables.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
MODEL=${1:-../shared/models/kws_ref_model.tflite}
name=$(basename "$MODEL" .tflite)
INPUT=${2:-../shared/golden/$name/input_4.bin}
mkdir -p build/demo
build/src/cli/tmlc compile "$MODEL" -o "build/demo/$name.tmlp" --verbose
build/src/cli/tmlc inspect "build/demo/$name.tmlp" --svg "build/demo/$name.arena.svg"
build/src/cli/tmlc run "build/demo/$name.tmlp" --input "$INPUT" --output "build/demo/$name.out.bin"
build/src/cli/tmlc firmware "$MODEL" --board netduinoplus2 -o "build/demo/$name-netduinoplus2"
build/src/cli/tmlc emulate "build/demo/$name-netduinoplus2" --input "$INPUT" --output "build/demo/$name.fw-out.bin"
echo "arena picture: build/demo/$name.arena.svg"
echo "firmware: build/demo/$name-netduinoplus2/ (firmware.bin, firmware.elf, manifest.json)"
