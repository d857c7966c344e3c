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
for model in "$SHARED"/models/*.tflite; do
  name=$(basename "$model" .tflite)
  # Small models only: the fuzzer mutates faster on small inputs.
  if [[ ($KIND == tflite || $KIND == plan) && $(stat -c %s "$model") -lt 120000 ]]; then
    if [[ $KIND == tflite ]]; then cp "$model" "$WORK/corpus/"; else "$TMLC" compile "$model" -o "$WORK/corpus/$name.tmlp" >/dev/null; fi
  fi
done
cd "$WORK"
"$FUZZER" -seed=1 -max_total_time="$SECONDS_TO_RUN" -rss_limit_mb=2048 -max_len=200000 -print_final_stats=1 corpus 2>&1 | tail -40
