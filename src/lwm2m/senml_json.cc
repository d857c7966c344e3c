#include <nlohmann/json.hpp>

#include "lwm2m/senml.h"

namespace tml::lwm2m {
namespace {

std::string BaseName(const Path& base) { return base.depth == 0 ? "/" : base.ToString() + "/"; }

/// The name of `path` relative to the base name (what follows it).
std::string RelativeName(const Path& base, const Path& path) {
  std::string name;
  for (uint8_t i = base.depth; i < path.depth; ++i) name += (name.empty() ? "" : "/") + std::to_string(path.ids[i]);
  return name;
}

}  // namespace

std::string EncodeSenmlJson(const Path& base, const std::vector<Record>& records) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < records.size(); ++i) {
    nlohmann::json r = nlohmann::json::object();
    if (i == 0) r["bn"] = BaseName(base);
    const std::string name = RelativeName(base, records[i].path);
    if (!name.empty()) r["n"] = name;
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) r["vs"] = v;
          else if constexpr (std::is_same_v<T, bool>) r["vb"] = v;
          else if constexpr (std::is_same_v<T, Bytes>) r["vd"] = Base64(v, true);
          else if constexpr (std::is_same_v<T, ObjectLink>) r["vlo"] = ValueToText(v);
          else r["v"] = v;
        },
        records[i].value);
    out.push_back(std::move(r));
  }
  return out.dump();
}

Lwm2mResult<std::vector<Record>> DecodeSenmlJson(std::string_view text, const TypeOf& type_of) {
  const auto pack = nlohmann::json::parse(text, nullptr, false);
  if (pack.is_discarded()) return Lwm2mFail("SenML JSON: not JSON");
  if (!pack.is_array()) return Lwm2mFail("SenML JSON: the pack must be an array of records");
  std::vector<Record> out;
  std::string base_name;
  for (size_t i = 0; i < pack.size(); ++i) {
    const auto& r = pack[i];
    const std::string where = "SenML JSON record " + std::to_string(i);
    if (!r.is_object()) return Lwm2mFail(where + " is not an object");
    if (r.contains("bn")) {
      if (!r["bn"].is_string()) return Lwm2mFail(where + ": \"bn\" is not a string");
      base_name = r["bn"].get<std::string>();
    }
    std::string name = base_name;
    if (r.contains("n")) {
      if (!r["n"].is_string()) return Lwm2mFail(where + ": \"n\" is not a string");
      name += r["n"].get<std::string>();
    }
    const auto path = ParsePath(name);
    if (!path) return Lwm2mFail(where + ": name '" + name + "' is not an LwM2M path");
    const DataType type = type_of ? type_of(*path) : DataType::kNone;
    Lwm2mResult<Value> value = Lwm2mFail("no value (v, vs, vb, vd or vlo)");
    if (r.contains("v")) {
      const auto& v = r["v"];
      if (!v.is_number()) return Lwm2mFail(where + ": \"v\" is not a number");
      const bool integral = v.is_number_integer();
      value = ValueFromNumber(v.get<double>(), integral ? v.get<int64_t>() : 0, integral, type);
      if (v.is_number_unsigned() && type == DataType::kUnsigned) value = Value(v.get<uint64_t>());
    } else if (r.contains("vs")) {
      if (!r["vs"].is_string()) return Lwm2mFail(where + ": \"vs\" is not a string");
      value = type == DataType::kNone || type == DataType::kString || type == DataType::kCoreLink
                  ? Lwm2mResult<Value>(Value(r["vs"].get<std::string>()))
                  : ValueFromText(r["vs"].get<std::string>(), type);
    } else if (r.contains("vb")) {
      if (!r["vb"].is_boolean()) return Lwm2mFail(where + ": \"vb\" is not a boolean");
      value = Value(r["vb"].get<bool>());
    } else if (r.contains("vd")) {
      if (!r["vd"].is_string()) return Lwm2mFail(where + ": \"vd\" is not a string");
      auto bytes = FromBase64(r["vd"].get<std::string>());
      if (!bytes) return Lwm2mFail(where + ": \"vd\": " + bytes.error());
      value = Value(*bytes);
    } else if (r.contains("vlo")) {
      if (!r["vlo"].is_string()) return Lwm2mFail(where + ": \"vlo\" is not a string");
      value = ValueFromText(r["vlo"].get<std::string>(), DataType::kObjlnk);
    }
    if (!value) return Lwm2mFail(where + " (" + name + "): " + value.error());
    out.push_back({*path, std::move(*value)});
  }
  return out;
}

}  // namespace tml::lwm2m
