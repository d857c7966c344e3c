#!/usr/bin/env bash
# The layering of DESIGN.md, enforced: a folder may include only folders above it
# (runtime <- compiler <- cli). The runtime includes no standard library headers at all.
set -euo pipefail
SRC=$1
fail=0
check() {  # folder, forbidden include prefixes...
  local folder=$1; shift
  for prefix in "$@"; do
    if grep -rn "#include \"$prefix/" "$SRC/$folder" >/dev/null 2>&1; then
      echo "layering violation: $folder includes $prefix/:"; grep -rn "#include \"$prefix/" "$SRC/$folder"; fail=1
    fi
  done
}
check runtime compiler cli boards lwm2m store jobs server agent
check compiler cli boards lwm2m store jobs server agent
if grep -rnE '#include <[a-z_]+>' "$SRC/runtime" | grep -vE '<stdint.h>|<stddef.h>' ; then
  echo "the runtime must stay freestanding: only <stdint.h>/<stddef.h>"; fail=1
fi
exit $fail
