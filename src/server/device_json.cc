#include "server/device_json.h"

#include "lwm2m/objects.h"
#include "server/api_error.h"

namespace tml::server {

lwm2m::Lwm2mServer& Lwm2m(const RouteContext& c) {
  if (c.options.lwm2m == nullptr) throw ApiError(503, "Service Unavailable", "this server runs no LwM2M server (serve --coaps)");
  return *c.options.lwm2m;
}

lwm2m::Path PathParam(const RouteContext& c, int index) {
  auto path = lwm2m::ParsePath(c.request.matches[index].str());
  if (!path || path->depth == 0) throw ApiError(400, "Bad Request", "'" + c.request.matches[index].str() + "' is not an LwM2M path");
  return *path;
}

nlohmann::json ValueJson(const lwm2m::Value& v) {
  if (auto* b = std::get_if<lwm2m::Bytes>(&v)) return {{"base64", lwm2m::Base64(*b, false)}};
  if (auto* l = std::get_if<lwm2m::ObjectLink>(&v)) return lwm2m::ValueToText(*l);
  return std::visit([](const auto& x) -> nlohmann::json {
    using T = std::decay_t<decltype(x)>;
    if constexpr (std::is_same_v<T, lwm2m::Bytes> || std::is_same_v<T, lwm2m::ObjectLink>) return nullptr;
    else return x;
  }, v);
}

lwm2m::Value ValueFromJson(const nlohmann::json& j, const lwm2m::Path& path) {
  const lwm2m::DataType type = lwm2m::TypeOfResource(path);
  const std::string where = path.ToString() + " (" + lwm2m::DataTypeName(type) + ")";
  switch (type) {
    case lwm2m::DataType::kString:
    case lwm2m::DataType::kCoreLink:
      if (j.is_string()) return j.get<std::string>();
      break;
    case lwm2m::DataType::kInteger:
    case lwm2m::DataType::kTime:
      if (j.is_number_integer()) return j.get<int64_t>();
      break;
    case lwm2m::DataType::kUnsigned:
      if (j.is_number_unsigned()) return j.get<uint64_t>();
      break;
    case lwm2m::DataType::kFloat:
      if (j.is_number()) return j.get<double>();
      break;
    case lwm2m::DataType::kBoolean:
      if (j.is_boolean()) return j.get<bool>();
      break;
    case lwm2m::DataType::kOpaque:
      if (j.is_object() && j.contains("base64") && j["base64"].is_string()) {
        auto bytes = lwm2m::FromBase64(j["base64"].get<std::string>());
        if (!bytes) throw ApiError(422, "Unprocessable Content", where + ": " + bytes.error());
        return *bytes;
      }
      break;
    case lwm2m::DataType::kObjlnk:
      if (j.is_string()) {
        auto v = lwm2m::ValueFromText(j.get<std::string>(), type);
        if (v) return *v;
      }
      break;
    case lwm2m::DataType::kNone: throw ApiError(422, "Unprocessable Content", path.ToString() + " is not a resource we know");
  }
  throw ApiError(422, "Unprocessable Content", "\"value\" for " + where + " has the wrong JSON type");
}

void ThrowUnlessOk(const lwm2m::Lwm2mResult<lwm2m::DeviceResponse>& r, const std::string& what) {
  if (!r) throw ApiError(504, "Gateway Timeout", r.error());
  if (r->code / 100 != 2) {
    throw ApiError(502, "Bad Gateway", what + ": the device answered " + lwm2m::CoapCodeText(r->code) +
                                           (r->payload.empty() ? "" : " " + std::string(r->payload.begin(), r->payload.end())));
  }
}

lwm2m::ContentFormat FormatParam(const RouteContext& c, bool allow_link) {
  const std::string name = c.request.has_param("format") ? c.request.get_param_value("format") : "senml-json";
  const auto format = lwm2m::ContentFormatByName(name);
  if (!format || (!allow_link && *format == lwm2m::ContentFormat::kLinkFormat)) {
    throw ApiError(422, "Unprocessable Content", "format '" + name + "': use tlv, senml-json, senml-cbor, text, opaque" +
                                                     (allow_link ? ", or link (Discover)" : ""));
  }
  return *format;
}

nlohmann::json RecordsJson(const std::vector<lwm2m::Record>& records) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& rec : records) {
    const lwm2m::ResourceDef* def = lwm2m::FindResource(rec.path.object(), rec.path.resource());
    items.push_back({{"path", rec.path.ToString()},
                     {"name", def != nullptr ? nlohmann::json(std::string(def->name)) : nlohmann::json()},
                     {"type", lwm2m::DataTypeName(lwm2m::TypeOfResource(rec.path))},
                     {"value", ValueJson(rec.value)}});
  }
  return items;
}

}  // namespace tml::server
