#!/bin/bash
# Builder contract v1: IMAGE /in/MODEL.tflite --board BOARD [--only-model-kernels]
# writes /out/firmware.bin, /out/firmware.elf and /out/manifest.json; on failure exits
# non-zero with one "builder: error: ..." line on stderr that says why.
set -uo pipefail

fail() { echo "builder: error: $*" >&2; exit 2; }

model="" board="" extra=()
while (($#)); do
  case "$1" in
    --board) (($# >= 2)) || fail "--board needs a value"; board="$2"; shift 2 ;;
    --board=*) board="${1#--board=}"; shift ;;
    --only-model-kernels) extra+=(--only-model-kernels); shift ;;
    --list-boards) ls "$TML_FIRMWARE_KIT/boards"; exit 0 ;;
    -h|--help) sed -n '2,4p' "$0" | sed 's/^# //'; echo "boards: $(ls "$TML_FIRMWARE_KIT/boards" | tr '\n' ' ')"; exit 0 ;;
    -*) fail "unknown option '$1'" ;;
    *) [[ -z "$model" ]] || fail "more than one model given ('$model' and '$1')"; model="$1"; shift ;;
  esac
done
[[ -n "$model" ]] || fail "no model given (usage: /in/MODEL.tflite --board BOARD)"
[[ -n "$board" ]] || fail "no board given (--board BOARD; boards: $(ls "$TML_FIRMWARE_KIT/boards" | tr '\n' ' '))"
[[ -f "$model" ]] || fail "model file '$model' not found (mount the model folder at /in)"
[[ -d /out && -w /out ]] || fail "/out is not a writable folder (mount the output folder at /out, writable by uid $(id -u))"

# On failure tmlc's last stderr line is "error: ..." naming the board, op or size that is
# wrong, and its exit code is non-zero: exactly the contract.
exec tmlc firmware "$model" --board "$board" -o /out "${extra[@]}"
