// libFuzzer target: the LwM2M content-format decoders on arbitrary payloads. The first byte
// picks the codec (TLV under /3, /3/0 or /3/0/6; SenML JSON; SenML CBOR; link format; a
// Write-Attributes query). Invariant: what decodes re-encodes to something that decodes to
// the same records (attributes).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "lwm2m/link_format.h"
#include "lwm2m/observe.h"
#include "lwm2m/senml.h"
#include "lwm2m/tlv.h"

using namespace tml::lwm2m;

namespace {

void CheckTlv(const Path& base, const uint8_t* data, size_t size) {
  auto records = DecodeTlv(base, data, size, {});
  if (!records || records->empty()) return;
  auto encoded = EncodeTlv(base, *records);
  if (!encoded) return;  // e.g. a resource given both a value and instances: refused, fine
  auto again = DecodeTlv(base, encoded->data(), encoded->size(), {});
  if (!again) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t which = data[0] % 7;
  ++data;
  --size;
  switch (which) {
    case 0: CheckTlv(MakePath({3}), data, size); break;
    case 1: CheckTlv(MakePath({3, 0}), data, size); break;
    case 2: CheckTlv(MakePath({3, 0, 6}), data, size); break;
    case 3: {
      auto records = DecodeSenmlJson(std::string_view(reinterpret_cast<const char*>(data), size), {});
      if (!records) break;
      auto again = DecodeSenmlJson(EncodeSenmlJson(Path{}, *records), {});
      if (!again) std::abort();
      break;
    }
    case 4: {
      auto records = DecodeSenmlCbor(data, size, {});
      if (!records) break;
      const Bytes encoded = EncodeSenmlCbor(Path{}, *records);
      auto again = DecodeSenmlCbor(encoded.data(), encoded.size(), {});
      if (!again || again->size() != records->size()) std::abort();
      break;
    }
    case 5: {
      auto links = ParseLinkFormat(std::string_view(reinterpret_cast<const char*>(data), size));
      if (!links) break;
      auto again = ParseLinkFormat(FormatLinks(*links));
      if (!again || *again != *links) std::abort();
      break;
    }
    case 6: {
      auto update = ParseAttributeQuery(std::string_view(reinterpret_cast<const char*>(data), size));
      if (!update) break;
      auto again = ParseAttributeQuery(FormatAttributeQuery(*update));
      if (!again || !(again->set == update->set) || again->cleared != update->cleared) std::abort();
      AttributeStore store;
      (void)store.Apply(MakePath({3303, 0, 5700}), *update);
      break;
    }
  }
  return 0;
}
