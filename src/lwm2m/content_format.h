#pragma once
// CoAP Content-Format numbers LwM2M 1.1 uses (IANA CoAP registry).

#include <cstdint>

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

}  // namespace tml::lwm2m
