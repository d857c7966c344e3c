#include "common/package.h"

#include "common/digest.h"
#include "common/tar_files.h"

namespace tml::common {
namespace {

constexpr const char* kFormat = "tinymlaas-package/1";

const char* PayloadName(PackageKind kind) { return kind == PackageKind::kFirmware ? "firmware.bin" : "model.tmlp"; }

tl::unexpected<PackageError> Bad(PackageFault fault, std::string message) {
  return tl::unexpected<PackageError>(PackageError{fault, std::move(message)});
}

/// Whether the build's manifest describes the payload: the image's sha256 for firmware; for a
/// plan (whose manifest sha256 is the plan's own content hash, checked by the firmware's hello
/// after flashing) its size.
bool ManifestDescribes(const nlohmann::json& manifest, PackageKind kind, const std::string& payload) {
  if (kind == PackageKind::kFirmware) {
    const nlohmann::json::json_pointer sha("/image/sha256");
    return manifest.contains(sha) && manifest[sha].is_string() && manifest[sha].get<std::string>() == Sha256Hex(payload);
  }
  const nlohmann::json::json_pointer bytes("/sizes/plan_bytes");
  return manifest.contains(bytes) && manifest[bytes].is_number_unsigned() && manifest[bytes].get<uint64_t>() == payload.size();
}

}  // namespace

const char* PackageKindName(PackageKind kind) { return kind == PackageKind::kFirmware ? "firmware" : "model"; }

tl::expected<std::string, std::string> WritePackage(const PackageContents& c, const SigningKey* key) {
  const char* payload_name = PayloadName(c.kind);
  nlohmann::json descriptor = {
      {"format", kFormat},
      {"kind", PackageKindName(c.kind)},
      {"build_id", c.build_id},
      {"version", c.version},
      {"board", c.board},
      {"files",
       {{"manifest.json", {{"sha256", Sha256Hex(c.manifest_text)}, {"bytes", c.manifest_text.size()}}},
        {payload_name, {{"sha256", Sha256Hex(c.payload)}, {"bytes", c.payload.size()}}}}}};
  const std::string text = descriptor.dump(2) + "\n";
  std::vector<TarFile> files = {{"package.json", text, 0444}};
  if (key != nullptr) {
    auto signature = Sign(*key, text);
    if (!signature) return tl::make_unexpected(signature.error());
    files.push_back({"package.sig", *signature, 0444});
  }
  files.push_back({"manifest.json", c.manifest_text, 0444});
  files.push_back({payload_name, c.payload, 0444});
  return WriteTar(files);
}

tl::expected<VerifiedPackage, PackageError> ReadPackage(std::string_view bytes,
                                                        const std::optional<std::string>& trusted_key) {
  auto tar = ReadTarFiles(bytes, "", {8, 64u << 20});
  if (!tar) return Bad(PackageFault::kMalformed, "not a package: " + tar.error());
  const TarFile* descriptor_file = tar->Find("package.json");
  if (descriptor_file == nullptr) return Bad(PackageFault::kMalformed, "not a package: no package.json");
  const auto descriptor = nlohmann::json::parse(descriptor_file->data, nullptr, false);
  if (!descriptor.is_object() || descriptor.value("format", std::string()) != kFormat) {
    return Bad(PackageFault::kMalformed, std::string("package.json: the format is not ") + kFormat);
  }
  VerifiedPackage out;
  const std::string kind = descriptor.value("kind", std::string());
  if (kind != "firmware" && kind != "model") return Bad(PackageFault::kMalformed, "package.json: kind '" + kind + "' is unknown");
  out.contents.kind = kind == "firmware" ? PackageKind::kFirmware : PackageKind::kModel;
  if (!descriptor.contains("files") || !descriptor["files"].is_object() || !descriptor.contains("build_id") ||
      !descriptor["build_id"].is_number_integer()) {
    return Bad(PackageFault::kMalformed, "package.json: \"files\" and \"build_id\" are required");
  }
  out.contents.build_id = descriptor["build_id"].get<int64_t>();
  out.contents.version = descriptor.value("version", std::string());
  out.contents.board = descriptor.value("board", std::string());

  if (const TarFile* sig = tar->Find("package.sig"); trusted_key) {
    if (sig == nullptr) return Bad(PackageFault::kIntegrity, "the package is not signed, and this agent trusts only signed ones");
    if (!VerifySignature(*trusted_key, descriptor_file->data, sig->data)) {
      return Bad(PackageFault::kIntegrity, "package.sig is not a signature of package.json by the trusted key");
    }
    out.signed_by_trusted_key = true;
  }
  const char* payload_name = PayloadName(out.contents.kind);
  for (const char* name : {"manifest.json", payload_name}) {
    const auto& listed = descriptor["files"];
    if (!listed.contains(name) || !listed[name].is_object() || !listed[name].contains("sha256") ||
        !listed[name]["sha256"].is_string()) {
      return Bad(PackageFault::kMalformed, std::string("package.json lists no sha256 for ") + name);
    }
    const TarFile* file = tar->Find(name);
    if (file == nullptr) return Bad(PackageFault::kIntegrity, std::string("the package lacks ") + name);
    const std::string actual = Sha256Hex(file->data);
    if (actual != listed[name]["sha256"].get<std::string>()) {
      return Bad(PackageFault::kIntegrity, std::string(name) + ": sha256 " + actual + " is not the " +
                                               listed[name]["sha256"].get<std::string>() + " that package.json lists");
    }
  }
  out.contents.manifest_text = tar->Find("manifest.json")->data;
  out.contents.payload = tar->Find(payload_name)->data;
  out.manifest = nlohmann::json::parse(out.contents.manifest_text, nullptr, false);
  if (!out.manifest.is_object()) return Bad(PackageFault::kMalformed, "manifest.json is not a JSON object");
  if (!ManifestDescribes(out.manifest, out.contents.kind, out.contents.payload)) {
    return Bad(PackageFault::kIntegrity, std::string(payload_name) + " is not the " +
                                             (out.contents.kind == PackageKind::kFirmware ? "image" : "plan") +
                                             " that manifest.json describes");
  }
  return out;
}

}  // namespace tml::common
