#pragma once
// CoAP Content-Format numbers LwM2M 1.1 uses (IANA CoAP registry), and encoding/decoding of
// records in any of them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lwm2m/value.h"

namespace tml::lwm2m {

enum class ContentFormat : uint16_t {
  kText = 0,
  kLinkFormat = 40,
  kOpaque = 42,
  kCbor = 60,
  kSenmlJson = 110,
  kSenmlCbor = 112,
  kTlv = 11542,
  kLwm2mJson = 11543,  ///< the older LwM2M 1.0 JSON, not supported: SenML JSON replaces it
};

/// "tlv", "senml-json", "senml-cbor", "text", "opaque"; nullopt for other names.
std::optional<ContentFormat> ContentFormatByName(const std::string& name);
const char* ContentFormatName(ContentFormat format);

/// Records under `base` as a payload. Text and opaque carry one resource value only.
Lwm2mResult<Bytes> EncodeRecords(ContentFormat format, const Path& base, const std::vector<Record>& records);
/// A payload for `base` as records, typed by `type_of`.
Lwm2mResult<std::vector<Record>> DecodeRecords(ContentFormat format, const Path& base, const Bytes& payload,
                                               const TypeOf& type_of);

}  // namespace tml::lwm2m
