#!/usr/bin/env bash
# tmlc end to end: compile, run (bit-exact), inspect (--json, --svg), and the error contract
# (exit code 2 and one line naming the problem for a malformed model).
set -euo pipefail
TMLC=$1
SHARED=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$TMLC" compile "$SHARED/models/kws_ref_model.tflite" -o "$WORK/kws.tmlp" | grep -q "wrote" || fail "compile output"
"$TMLC" run "$WORK/kws.tmlp" --input "$SHARED/golden/kws_ref_model/input_5.bin" --output "$WORK/out.bin" > "$WORK/run.txt"
cmp "$WORK/out.bin" "$SHARED/golden/kws_ref_model/output_5.bin" || fail "run output differs from golden"
grep -q "inference: .* ms" "$WORK/run.txt" || fail "run does not print the inference time"

"$TMLC" inspect "$WORK/kws.tmlp" --json --svg "$WORK/arena.svg" > "$WORK/inspect.json"
python3 - "$WORK/inspect.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["arena_bytes"] > 0 and j["plan_bytes"] > 0 and j["total_macs"] > 0, j
assert j["ops"][0]["kernel"] == "CONV_2D/int8", j["ops"][0]
assert all("offset" in t for t in j["tensors"])
PY
grep -q "<svg" "$WORK/arena.svg" || fail "no svg"
"$TMLC" inspect "$SHARED/models/vww_96_int8.tflite" | grep -q "arena bytes" || fail "inspect of a .tflite"

# Errors: truncated model -> exit 2 with one clear line.
head -c 1000 "$SHARED/models/kws_ref_model.tflite" > "$WORK/bad.tflite"
set +e
"$TMLC" compile "$WORK/bad.tflite" -o "$WORK/bad.tmlp" 2> "$WORK/err.txt"
rc=$?
set -e
[[ $rc -eq 2 ]] || fail "malformed model exit code $rc, expected 2"
[[ $(wc -l < "$WORK/err.txt") -eq 1 ]] || fail "error is not one line: $(cat "$WORK/err.txt")"
grep -q "bad.tflite: malformed TFLite model" "$WORK/err.txt" || fail "error text: $(cat "$WORK/err.txt")"

# A plan of another format version is refused clearly.
cp "$WORK/kws.tmlp" "$WORK/v9.tmlp"
printf '\x09' | dd of="$WORK/v9.tmlp" bs=1 seek=4 conv=notrunc status=none
set +e
"$TMLC" run "$WORK/v9.tmlp" --input "$SHARED/golden/kws_ref_model/input_5.bin" 2> "$WORK/err.txt"
rc=$?
set -e
[[ $rc -eq 2 ]] || fail "version mismatch exit code $rc"
grep -q "unsupported plan format version: file has version 9" "$WORK/err.txt" || fail "$(cat "$WORK/err.txt")"
echo "tmlc end-to-end: ok"
