#include "lwm2m/content_format.h"

#include "lwm2m/senml.h"
#include "lwm2m/tlv.h"

namespace tml::lwm2m {

std::optional<ContentFormat> ContentFormatByName(const std::string& name) {
  if (name == "tlv") return ContentFormat::kTlv;
  if (name == "senml-json") return ContentFormat::kSenmlJson;
  if (name == "senml-cbor") return ContentFormat::kSenmlCbor;
  if (name == "text") return ContentFormat::kText;
  if (name == "opaque") return ContentFormat::kOpaque;
  if (name == "link") return ContentFormat::kLinkFormat;
  return std::nullopt;
}

const char* ContentFormatName(ContentFormat format) {
  switch (format) {
    case ContentFormat::kText: return "text";
    case ContentFormat::kLinkFormat: return "link-format";
    case ContentFormat::kOpaque: return "opaque";
    case ContentFormat::kCbor: return "cbor";
    case ContentFormat::kSenmlJson: return "senml-json";
    case ContentFormat::kSenmlCbor: return "senml-cbor";
    case ContentFormat::kTlv: return "tlv";
    case ContentFormat::kLwm2mJson: return "lwm2m-json";
  }
  return "?";
}

Lwm2mResult<Bytes> EncodeRecords(ContentFormat format, const Path& base, const std::vector<Record>& records) {
  switch (format) {
    case ContentFormat::kTlv: return EncodeTlv(base, records);
    case ContentFormat::kSenmlJson: {
      const std::string text = EncodeSenmlJson(base, records);
      return Bytes(text.begin(), text.end());
    }
    case ContentFormat::kSenmlCbor: return EncodeSenmlCbor(base, records);
    case ContentFormat::kText:
    case ContentFormat::kOpaque: {
      if (records.size() != 1 || !(records[0].path == base)) {
        return Lwm2mFail(std::string(ContentFormatName(format)) + " carries a single resource value");
      }
      if (format == ContentFormat::kOpaque) {
        const Bytes* bytes = std::get_if<Bytes>(&records[0].value);
        if (bytes == nullptr) return Lwm2mFail("opaque carries only opaque resources");
        return *bytes;
      }
      const std::string text = ValueToText(records[0].value);
      return Bytes(text.begin(), text.end());
    }
    default: return Lwm2mFail(std::string("content format ") + ContentFormatName(format) + " is not supported");
  }
}

Lwm2mResult<std::vector<Record>> DecodeRecords(ContentFormat format, const Path& base, const Bytes& payload,
                                               const TypeOf& type_of) {
  switch (format) {
    case ContentFormat::kTlv: return DecodeTlv(base, payload.data(), payload.size(), type_of);
    case ContentFormat::kSenmlJson:
      return DecodeSenmlJson(std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()), type_of);
    case ContentFormat::kSenmlCbor: return DecodeSenmlCbor(payload.data(), payload.size(), type_of);
    case ContentFormat::kText: {
      if (base.depth < 3) return Lwm2mFail("plain text needs a resource path");
      auto v = ValueFromText(std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()),
                             type_of ? type_of(base) : DataType::kNone);
      if (!v) return Lwm2mFail(v.error());
      return std::vector<Record>{{base, *v}};
    }
    case ContentFormat::kOpaque:
      if (base.depth < 3) return Lwm2mFail("opaque needs a resource path");
      return std::vector<Record>{{base, payload}};
    default: return Lwm2mFail(std::string("content format ") + ContentFormatName(format) + " is not supported");
  }
}

}  // namespace tml::lwm2m
