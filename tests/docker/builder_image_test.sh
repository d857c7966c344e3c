#!/usr/bin/env bash
# The seed's commands and the service with a builder image, as a partner and a user do it:
#   docker build -t netduinoplus2-builder builders/cortex-m
#   docker run --network none -v MODELDIR:/in:ro -v OUTDIR:/out netduinoplus2-builder /in/M --board B
#   (its firmware runs in QEMU and answers the golden output)
#   docker push to the loopback registry; builders check; registration; a build through the
#   service that pulls the image by reference, records its digest, and gives the same
#   firmware.bin (sha256) as the built-in builder.
set -euo pipefail
BUILD=$1; TINYMLAAS=$2; TMLC=$3; SHARED=$4
source "$BUILD/docker/env"
WORK=$(mktemp -d)
source "$(dirname "$0")/../support/serve_helpers.sh"
trap cleanup EXIT

cd "$BUILD"
# The build runs apt-get for the Arm toolchain: the one step that may use the host network.
"$DOCKER" build --network host -t netduinoplus2-builder builders/cortex-m > "$WORK/docker-build.txt" 2>&1 ||
  fail "docker build: $(tail -20 "$WORK/docker-build.txt")"
user=$("$DOCKER" image inspect -f '{{.Config.User}}' netduinoplus2-builder)
[[ "$user" == 1000:1000 ]] || fail "the builder runs as '$user', not a non-root user"

mkdir -p "$WORK/in" "$WORK/out"
cp "$SHARED/models/kws_ref_model.tflite" "$WORK/in/"
chmod 0777 "$WORK/out"  # the builder runs as uid 1000
"$DOCKER" run --rm --network none --read-only --tmpfs /tmp -v "$WORK/in:/in:ro" -v "$WORK/out:/out" \
  netduinoplus2-builder /in/kws_ref_model.tflite --board netduinoplus2 > "$WORK/run.txt" 2>&1 ||
  fail "docker run: $(cat "$WORK/run.txt")"
for f in firmware.bin firmware.elf manifest.json; do [[ -s "$WORK/out/$f" ]] || fail "the builder wrote no $f"; done
"$TMLC" emulate "$WORK/out" --input "$SHARED/golden/kws_ref_model/input_3.bin" --output "$WORK/result.bin" > /dev/null
cmp "$WORK/result.bin" "$SHARED/golden/kws_ref_model/output_3.bin" || fail "the image's firmware answers differently from golden"
docker_run_sha=$(sha256sum "$WORK/out/firmware.bin" | cut -d' ' -f1)

# Contract failures: non-zero exit and a stderr line that says why.
set +e
"$DOCKER" run --rm --network none -v "$WORK/in:/in:ro" -v "$WORK/out:/out" netduinoplus2-builder \
  /in/kws_ref_model.tflite --board nosuchboard > /dev/null 2> "$WORK/err.txt"
rc=$?
set -e
[[ $rc -ne 0 ]] && grep -q "unknown board 'nosuchboard'" "$WORK/err.txt" || fail "unknown board: rc $rc, $(cat "$WORK/err.txt")"

ref=$REGISTRY/netduinoplus2-builder:1
"$DOCKER" tag netduinoplus2-builder "$ref"
"$DOCKER" push "$ref" > "$WORK/push.txt" 2>&1 || fail "docker push: $(tail -5 "$WORK/push.txt")"
pushed_digest=$(sed -n 's/.*digest: \(sha256:[0-9a-f]*\).*/\1/p' "$WORK/push.txt")
[[ -n "$pushed_digest" ]] || fail "no digest from docker push: $(cat "$WORK/push.txt")"
# The server must pull it: the daemon keeps no copy under that name.
"$DOCKER" rmi "$ref" > /dev/null

"$TINYMLAAS" builders check "$ref" --model "$SHARED/models/kws_ref_model.tflite" --board netduinoplus2 \
  > "$WORK/check.txt" || fail "builders check: $(cat "$WORK/check.txt")"
grep -q "10 of 10 checks passed" "$WORK/check.txt" || fail "builders check: $(cat "$WORK/check.txt")"
"$DOCKER" rmi "$ref" > /dev/null

start_server --docker "$DOCKER_HOST"
"$TINYMLAAS" models push "$SHARED/models/kws_ref_model.tflite" --name kws > /dev/null
"$TINYMLAAS" builders add np2 --image "$ref" --board netduinoplus2 > /dev/null
"$TINYMLAAS" builders ls > "$WORK/builders.txt"
grep -q "^np2 .*netduinoplus2 .*$ref" "$WORK/builders.txt" || fail "builders ls: $(cat "$WORK/builders.txt")"
grep -q "^local .*yes" "$WORK/builders.txt" || fail "builders ls lacks the built-in builder: $(cat "$WORK/builders.txt")"

"$TINYMLAAS" build --model kws --board netduinoplus2 --builder np2 --wait > "$WORK/build.txt" ||
  fail "build with the image: $(cat "$WORK/build.txt")"
grep -q "pull: Digest: $pushed_digest" "$WORK/build.txt" || fail "the log shows no pull: $(cat "$WORK/build.txt")"
grep -q "wrote /out/firmware.elf" "$WORK/build.txt" || fail "the builder's output is not in the log"
id=$(sed -n 's/^build \([0-9]*\): .*np2.*/\1/p' "$WORK/build.txt" | head -1)
[[ "$(build_json "$id" | json_field image_digest)" == "$REGISTRY/netduinoplus2-builder@$pushed_digest" ]] ||
  fail "build $id records digest '$(build_json "$id" | json_field image_digest)'"
"$TINYMLAAS" artifacts get "$id" -o "$WORK/docker-fw" > /dev/null

"$TINYMLAAS" build --model kws --board netduinoplus2 --builder local --wait > "$WORK/local.txt" ||
  fail "build with the built-in builder: $(cat "$WORK/local.txt")"
local_id=$(sed -n 's/^build \([0-9]*\): .*/\1/p' "$WORK/local.txt" | head -1)
"$TINYMLAAS" artifacts get "$local_id" -o "$WORK/local-fw" > /dev/null
service_docker_sha=$(sha256sum "$WORK/docker-fw/firmware.bin" | cut -d' ' -f1)
service_local_sha=$(sha256sum "$WORK/local-fw/firmware.bin" | cut -d' ' -f1)
[[ "$service_docker_sha" == "$service_local_sha" && "$service_docker_sha" == "$docker_run_sha" ]] ||
  fail "firmware.bin differs: docker runner $service_docker_sha, local runner $service_local_sha, docker run $docker_run_sha"
"$TMLC" emulate "$WORK/docker-fw" --input "$SHARED/golden/kws_ref_model/input_5.bin" --output "$WORK/r5.bin" > /dev/null
cmp "$WORK/r5.bin" "$SHARED/golden/kws_ref_model/output_5.bin" || fail "the service's Docker-built firmware differs from golden"

# With the image registered as the board's default, a build that names no builder uses it.
"$TINYMLAAS" builders add np2-default --image "$ref" --board netduinoplus2 --default > /dev/null
"$TINYMLAAS" models push "$SHARED/models/ad01_int8.tflite" --name ad > /dev/null
"$TINYMLAAS" build --model ad --board netduinoplus2 --wait > "$WORK/default.txt" || fail "default build: $(cat "$WORK/default.txt")"
grep -q "with builder np2-default" "$WORK/default.txt" || fail "the board's default builder was not used: $(cat "$WORK/default.txt")"
echo "builder image end to end: ok (firmware.bin $service_docker_sha from docker run, the Docker runner and the local runner)"
