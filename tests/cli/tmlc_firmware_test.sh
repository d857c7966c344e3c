#!/usr/bin/env bash
# tmlc firmware / emulate / --replace-model end to end, as a user calls them.
set -euo pipefail
TMLC=$1
SHARED=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$TMLC" firmware "$SHARED/models/kws_ref_model.tflite" --board netduinoplus2 -o "$WORK/fw" > "$WORK/build.txt" 2>&1
grep -q "image sha256" "$WORK/build.txt" || fail "firmware output: $(cat "$WORK/build.txt")"
for f in firmware.elf firmware.bin manifest.json; do [[ -s "$WORK/fw/$f" ]] || fail "missing $f"; done
python3 - "$WORK/fw/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for key in ("board", "model", "plan", "runtime", "image", "sizes", "flash_layout", "version"):
    assert key in m, key
assert m["flash_layout"]["model_slot"]["address"] == 0x08040000, m["flash_layout"]
assert len(m["model"]["sha256"]) == 64 and len(m["plan"]["sha256"]) == 64 and len(m["image"]["sha256"]) == 64
assert m["plan"]["inputs"][0]["bytes"] == 490 and m["plan"]["outputs"][0]["bytes"] == 12
PY
# No build paths, dates or user names in the image.
for needle in "$PWD" /tmp/ /work/ /root /home "$(date +%Y-%m-%d)"; do
  if grep -q -a -F "$needle" "$WORK/fw/firmware.bin"; then fail "firmware.bin contains '$needle'"; fi
done

"$TMLC" emulate "$WORK/fw" --input "$SHARED/golden/kws_ref_model/input_6.bin" --output "$WORK/out.bin" > "$WORK/emulate.txt"
cmp "$WORK/out.bin" "$SHARED/golden/kws_ref_model/output_6.bin" || fail "emulated output differs from golden"
grep -q "inference: .* instructions" "$WORK/emulate.txt" || fail "no instruction count"
grep -q "<- top" "$WORK/emulate.txt" || fail "no result table"

"$TMLC" firmware --replace-model "$SHARED/models/ad01_int8.tflite" --in "$WORK/fw/firmware.bin" > "$WORK/replace.txt"
first=$(sed -n 's/^model slot rewritten: bytes \([0-9]*\)\.\..*(slot starts at offset 262144)$/\1/p' "$WORK/replace.txt")
[[ -n "$first" && $first -ge 262144 ]] || fail "replace output: $(cat "$WORK/replace.txt")"
"$TMLC" emulate "$WORK/fw" --input "$SHARED/golden/ad01_int8/input_2.bin" --output "$WORK/out2.bin" > /dev/null
cmp "$WORK/out2.bin" "$SHARED/golden/ad01_int8/output_2.bin" || fail "replaced model's output differs from golden"

set +e
"$TMLC" firmware "$SHARED/models/kws_ref_model.tflite" --board nosuchboard -o "$WORK/x" 2> "$WORK/err.txt"
rc=$?
set -e
[[ $rc -eq 2 ]] || fail "unknown board exit code $rc"
grep -q "unknown board 'nosuchboard'; boards: mps2-an386, netduinoplus2" "$WORK/err.txt" || fail "$(cat "$WORK/err.txt")"
echo "tmlc firmware end-to-end: ok"
