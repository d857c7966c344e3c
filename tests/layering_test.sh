#!/usr/bin/env bash
# The layering of DESIGN.md, enforced: a folder may include only folders above it
# (DESIGN.md's table: common, runtime <- compiler <- firmware/host; lwm2m on its own; store <-
# jobs <- server <- agent <- cli; the device side of firmware and boards sees only the
# runtime and each other). The runtime includes no standard library headers at all.
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
check common runtime compiler firmware cli boards lwm2m store jobs server agent
check runtime common compiler cli boards lwm2m store jobs server agent
check compiler cli boards firmware lwm2m store jobs server agent
check boards compiler cli lwm2m store jobs server agent
for f in "$SRC"/firmware/*.cc "$SRC"/firmware/*.h; do
  if grep -nE '#include "(compiler|cli|lwm2m|store|jobs|server|agent)/' "$f"; then
    echo "layering violation: device-side $f includes host code"; fail=1
  fi
done
check firmware/host cli lwm2m store jobs server agent
check store firmware cli jobs server agent
check jobs compiler firmware cli lwm2m server agent boards
check lwm2m common compiler firmware cli boards store jobs server agent
check server cli agent
check agent cli server store jobs
if grep -rnE '#include <[a-z_]+>' "$SRC/runtime" | grep -vE '<stdint.h>|<stddef.h>' ; then
  echo "the runtime must stay freestanding: only <stdint.h>/<stddef.h>"; fail=1
fi
exit $fail
