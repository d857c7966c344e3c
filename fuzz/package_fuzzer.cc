// libFuzzer target: the agent's check of a downloaded or pushed deployment package
// (docs/formats/package.md) from arbitrary bytes. Invariants: a package that passes holds the
// payload its manifest describes, and a trusted key never lets an unsigned one through.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/digest.h"
#include "common/package.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto plain = tml::common::ReadPackage(bytes, std::nullopt);
  if (plain && plain->contents.kind == tml::common::PackageKind::kFirmware &&
      plain->manifest["image"]["sha256"] != tml::common::Sha256Hex(plain->contents.payload)) {
    std::abort();
  }
  auto trusted = tml::common::ReadPackage(bytes, std::string(32, '\x01'));
  if (trusted && !trusted->signed_by_trusted_key) std::abort();
  return 0;
}
