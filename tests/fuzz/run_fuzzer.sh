#!/usr/bin/env bash
# Runs a libFuzzer target for a bounded time on a seed corpus made from the shared models
# (kind "tflite") or their compiled plans (kind "plan"). Fails on any crash or sanitizer report.
set -euo pipefail
FUZZER=$1; SECONDS_TO_RUN=$2; TMLC=$3; SHARED=$4; KIND=$5
[[ -x "$FUZZER" ]] || { echo "fuzz target $FUZZER was not built (configure with -DTML_BUILD_FUZZ=ON)"; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/corpus"
if [[ $KIND == uart ]]; then
  # Seeds: a HELLO frame and an INFER frame with a 3-byte payload (CRC-32 over type..payload).
  python3 - "$WORK/corpus" <<'PY'
import struct, sys, zlib
def frame(t, payload):
    body = bytes([t, 0]) + struct.pack("<I", len(payload)) + payload
    return b"\xa5\x5a" + body + struct.pack("<I", zlib.crc32(body))
open(sys.argv[1] + "/hello", "wb").write(frame(1, b""))
open(sys.argv[1] + "/infer", "wb").write(frame(2, b"abc") + frame(1, b""))
PY
fi
if [[ $KIND == dockerlog ]]; then
  # Seeds: a chunk size byte, then stdout and stderr frames as Docker sends them.
  python3 - "$WORK/corpus" <<'PY'
import struct, sys
def frame(stream, payload):
    return bytes([stream, 0, 0, 0]) + struct.pack(">I", len(payload)) + payload
open(sys.argv[1] + "/log", "wb").write(b"\x05" + frame(1, b"compiling\n") + frame(2, b"error: x\n") + frame(1, b""))
PY
fi
if [[ $KIND == tar ]]; then
  # Seeds: an archive of /out as Docker's archive API returns it, with a symlink in it.
  python3 - "$WORK/corpus" <<'PY'
import io, sys, tarfile
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
    d = tarfile.TarInfo("out"); d.type = tarfile.DIRTYPE; t.addfile(d)
    for name, data in (("out/firmware.bin", b"\0" * 64), ("out/manifest.json", b'{"board": "b"}')):
        i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
    l = tarfile.TarInfo("out/link"); l.type = tarfile.SYMTYPE; l.linkname = "/etc/passwd"; t.addfile(l)
open(sys.argv[1] + "/out.tar", "wb").write(buf.getvalue())
PY
fi
if [[ $KIND == package ]]; then
  # Seeds: a well-formed firmware package (unsigned) and one with a signature file.
  python3 - "$WORK/corpus" <<'PY'
import hashlib, io, json, sys, tarfile
image, manifest = b"\x00\x01" * 64, json.dumps({"image": {"sha256": hashlib.sha256(b"\x00\x01" * 64).hexdigest()}}).encode()
desc = json.dumps({"format": "tinymlaas-package/1", "kind": "firmware", "build_id": 1, "version": "build-1", "board": "b",
                   "files": {"manifest.json": {"sha256": hashlib.sha256(manifest).hexdigest()},
                             "firmware.bin": {"sha256": hashlib.sha256(image).hexdigest()}}}).encode()
for name, extra in (("plain", []), ("signed", [("package.sig", b"s" * 64)])):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for fname, data in [("package.json", desc)] + extra + [("manifest.json", manifest), ("firmware.bin", image)]:
            i = tarfile.TarInfo(fname); i.size = len(data); t.addfile(i, io.BytesIO(data))
    open(f"{sys.argv[1]}/{name}.tar", "wb").write(buf.getvalue())
PY
fi
if [[ $KIND == lwm2m ]]; then
  # Seeds: one payload per codec, the selector byte first (see the fuzzer).
  python3 - "$WORK/corpus" <<'PY'
import sys
d = sys.argv[1]
seeds = {
    "tlv_object": b"\x00" + bytes.fromhex("0805C1096483 0B410000"),
    "tlv_instance": b"\x01" + bytes.fromhex("C800144F70656E204D6F62696C6520416C6C69616E6365C30331 2E30 860641000141 0105".replace(" ", "")),
    "tlv_resource": b"\x02" + bytes.fromhex("8606410001410105"),
    "senml_json": b"\x03" + b'[{"bn":"/3/0/","n":"0","vs":"OMA"},{"n":"9","v":87},{"n":"7/0","vd":"AAE"},{"n":"22","vlo":"5:0"}]',
    "senml_cbor": b"\x04" + bytes.fromhex("81A321652F332F302F0061300363 4F4D41".replace(" ", "")),
    "links": b"\x05" + b'</>;rt="oma.lwm2m";ct=11543,</1/0>,</3/0>,</5/0>;ver=1.0',
}
for name, data in seeds.items():
    open(f"{d}/{name}", "wb").write(data)
PY
fi
for model in "$SHARED"/models/*.tflite; do
  name=$(basename "$model" .tflite)
  # Small models only: the fuzzer mutates faster on small inputs.
  if [[ ($KIND == tflite || $KIND == plan) && $(stat -c %s "$model") -lt 120000 ]]; then
    if [[ $KIND == tflite ]]; then cp "$model" "$WORK/corpus/"; else "$TMLC" compile "$model" -o "$WORK/corpus/$name.tmlp" >/dev/null; fi
  fi
done
cd "$WORK"
"$FUZZER" -seed=1 -max_total_time="$SECONDS_TO_RUN" -rss_limit_mb=2048 -max_len=200000 -print_final_stats=1 corpus 2>&1 | tail -40
