#pragma once
// The deployment package (docs/formats/package.md): one tar file that the service offers a
// device for a FOTA (the whole image) or a SOTA (the model slot only) update. It holds
// package.json (what it is, the sha256 of every other file), an optional Ed25519 signature
// of package.json (package.sig), the build's manifest.json, and firmware.bin or model.tmlp.
// The server writes packages; the agent reads and verifies what it downloaded.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "common/signing.h"

namespace tml::common {

enum class PackageKind { kFirmware, kModel };
const char* PackageKindName(PackageKind kind);  ///< "firmware", "model"

struct PackageContents {
  PackageKind kind = PackageKind::kFirmware;
  int64_t build_id = 0;
  std::string version;        ///< what the device reports as Firmware Version once it runs this build
  std::string board;
  std::string manifest_text;  ///< the build's manifest.json
  std::string payload;        ///< firmware.bin, or model.tmlp (the plan for the model slot)
};

/// The tar of `contents`, signed with `key` when one is given.
tl::expected<std::string, std::string> WritePackage(const PackageContents& contents, const SigningKey* key);

enum class PackageFault {
  kMalformed,    ///< not a package of ours: no tar, no package.json, an unknown format
  kIntegrity,    ///< a file's sha256, the manifest or the signature does not match
};
struct PackageError {
  PackageFault fault;
  std::string message;
};

struct VerifiedPackage {
  PackageContents contents;
  nlohmann::json manifest;
  bool signed_by_trusted_key = false;
};

/// Reads and checks a package: every listed file present with its sha256, the manifest's
/// image sha256 (or plan size) matching the payload, and, when `trusted_key` is given, a
/// signature of package.json by it (an unsigned package is then refused).
tl::expected<VerifiedPackage, PackageError> ReadPackage(std::string_view bytes,
                                                        const std::optional<std::string>& trusted_key);

}  // namespace tml::common
