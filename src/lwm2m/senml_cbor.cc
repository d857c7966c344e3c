#include <cbor.h>

#include <cstdlib>
#include <memory>

#include "lwm2m/senml.h"

namespace tml::lwm2m {
namespace {

// SenML CBOR labels (RFC 8428 table 6); LwM2M's object link keeps its text label.
constexpr int64_t kBaseName = -2, kName = 0, kValue = 2, kStringValue = 3, kBoolValue = 4, kDataValue = 8;

struct ItemDeleter {
  void operator()(cbor_item_t* item) const { cbor_decref(&item); }
};
using Item = std::unique_ptr<cbor_item_t, ItemDeleter>;

/// The shortest CBOR head for an unsigned magnitude (canonical encoding, RFC 8949 4.2.1).
cbor_item_t* Magnitude(uint64_t m, bool negative) {
  if (m <= 0xFF) return negative ? cbor_build_negint8(static_cast<uint8_t>(m)) : cbor_build_uint8(static_cast<uint8_t>(m));
  if (m <= 0xFFFF) return negative ? cbor_build_negint16(static_cast<uint16_t>(m)) : cbor_build_uint16(static_cast<uint16_t>(m));
  if (m <= 0xFFFFFFFF) return negative ? cbor_build_negint32(static_cast<uint32_t>(m)) : cbor_build_uint32(static_cast<uint32_t>(m));
  return negative ? cbor_build_negint64(m) : cbor_build_uint64(m);
}

cbor_item_t* Int(int64_t v) {
  return v >= 0 ? Magnitude(static_cast<uint64_t>(v), false) : Magnitude(static_cast<uint64_t>(-1 - v), true);
}

void Add(cbor_item_t* map, cbor_item_t* key, cbor_item_t* value) {
  cbor_map_add(map, cbor_pair{cbor_move(key), cbor_move(value)});
}

std::optional<int64_t> IntOf(const cbor_item_t* item) {
  if (cbor_isa_uint(item)) {
    const uint64_t v = cbor_get_int(item);
    if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(v);
  }
  if (cbor_isa_negint(item)) {
    const uint64_t v = cbor_get_int(item);
    if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return -1 - static_cast<int64_t>(v);
  }
  return std::nullopt;
}

std::optional<std::string> TextOf(const cbor_item_t* item) {
  if (!cbor_isa_string(item) || !cbor_string_is_definite(item)) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(cbor_string_handle(item)), cbor_string_length(item));
}

/// Walks the CBOR item heads before libcbor sees them: libcbor allocates what an array, map
/// or string head declares, so a 5-byte payload could ask for gigabytes. Every declared
/// count must fit in the bytes that remain (an element takes at least one byte). Returns
/// the error, or "" when the sizes are plausible.
std::string CheckDeclaredSizes(const uint8_t* data, size_t size) {
  size_t at = 0;
  std::vector<uint64_t> pending = {1};  // items still to read at each nesting level
  while (!pending.empty()) {
    if (pending.back() == 0) {
      pending.pop_back();
      continue;
    }
    --pending.back();
    if (at >= size) return "the payload ends inside an item";
    const uint8_t major = data[at] >> 5, info = data[at] & 31;
    ++at;
    uint64_t arg = info;
    if (info >= 24 && info <= 27) {
      const size_t n = size_t{1} << (info - 24);
      if (size - at < n) return "an item head is cut short";
      arg = 0;
      for (size_t i = 0; i < n; ++i) arg = arg << 8 | data[at++];
    } else if (info > 27) {
      return "indefinite-length or reserved items are not accepted";
    }
    const uint64_t remaining = size - at;
    switch (major) {
      case 2:
      case 3:
        if (arg > remaining) return "a string declares more bytes than the payload has";
        at += static_cast<size_t>(arg);
        break;
      case 4:
      case 5: {
        const uint64_t items = major == 5 ? arg * 2 : arg;
        if (arg > remaining || items > remaining) return "an array or map declares more items than the payload has";
        if (pending.size() > 16) return "items are nested too deeply";
        pending.push_back(items);
        break;
      }
      case 6: ++pending.back(); break;  // a tag: the tagged item follows
      default: break;                   // integers, simple values, floats: the head is all
    }
  }
  return at == size ? "" : std::to_string(size - at) + " bytes after the pack";
}

}  // namespace

Bytes EncodeSenmlCbor(const Path& base, const std::vector<Record>& records) {
  Item pack(cbor_new_definite_array(records.size()));
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    std::string name;
    for (uint8_t d = base.depth; d < r.path.depth; ++d) name += (name.empty() ? "" : "/") + std::to_string(r.path.ids[d]);
    cbor_item_t* map = cbor_new_definite_map((i == 0) + !name.empty() + 1);
    if (i == 0) {
      const std::string bn = base.depth == 0 ? "/" : base.ToString() + "/";
      Add(map, Int(kBaseName), cbor_build_stringn(bn.data(), bn.size()));
    }
    if (!name.empty()) Add(map, Int(kName), cbor_build_stringn(name.data(), name.size()));
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) {
            Add(map, Int(kStringValue), cbor_build_stringn(v.data(), v.size()));
          } else if constexpr (std::is_same_v<T, bool>) {
            Add(map, Int(kBoolValue), cbor_build_bool(v));
          } else if constexpr (std::is_same_v<T, Bytes>) {
            Add(map, Int(kDataValue), cbor_build_bytestring(v.data(), v.size()));
          } else if constexpr (std::is_same_v<T, ObjectLink>) {
            const std::string text = ValueToText(v);
            Add(map, cbor_build_stringn("vlo", 3), cbor_build_stringn(text.data(), text.size()));
          } else if constexpr (std::is_same_v<T, double>) {
            Add(map, Int(kValue), cbor_build_float8(v));
          } else if constexpr (std::is_same_v<T, uint64_t>) {
            Add(map, Int(kValue), Magnitude(v, false));
          } else {
            Add(map, Int(kValue), Int(v));
          }
        },
        r.value);
    cbor_array_push(pack.get(), cbor_move(map));
  }
  unsigned char* buffer = nullptr;
  size_t capacity = 0;
  const size_t length = cbor_serialize_alloc(pack.get(), &buffer, &capacity);
  Bytes out(buffer, buffer + length);
  std::free(buffer);
  return out;
}

Lwm2mResult<std::vector<Record>> DecodeSenmlCbor(const uint8_t* data, size_t size, const TypeOf& type_of) {
  if (const std::string why = CheckDeclaredSizes(data, size); !why.empty()) return Lwm2mFail("SenML CBOR: " + why);
  cbor_load_result loaded{};
  Item pack(cbor_load(data, size, &loaded));
  if (!pack || loaded.error.code != CBOR_ERR_NONE) {
    return Lwm2mFail("SenML CBOR: not CBOR (at byte " + std::to_string(loaded.error.position) + ")");
  }
  if (loaded.read != size) return Lwm2mFail("SenML CBOR: " + std::to_string(size - loaded.read) + " bytes after the pack");
  if (!cbor_isa_array(pack.get()) || !cbor_array_is_definite(pack.get())) {
    return Lwm2mFail("SenML CBOR: the pack must be an array of records");
  }
  std::vector<Record> out;
  std::string base_name;
  cbor_item_t** items = cbor_array_handle(pack.get());
  for (size_t i = 0; i < cbor_array_size(pack.get()); ++i) {
    const std::string where = "SenML CBOR record " + std::to_string(i);
    const cbor_item_t* r = items[i];
    if (!cbor_isa_map(r) || !cbor_map_is_definite(r)) return Lwm2mFail(where + " is not a map");
    std::optional<std::string> name;
    const cbor_item_t* value_item = nullptr;
    int64_t value_label = 0;
    bool object_link = false;
    const cbor_pair* pairs = cbor_map_handle(r);
    for (size_t p = 0; p < cbor_map_size(r); ++p) {
      const auto label = IntOf(pairs[p].key);
      if (!label) {
        if (TextOf(pairs[p].key) == std::optional<std::string>("vlo")) {
          value_item = pairs[p].value;
          object_link = true;
        }
        continue;
      }
      if (*label == kBaseName) {
        auto text = TextOf(pairs[p].value);
        if (!text) return Lwm2mFail(where + ": the base name is not a text string");
        base_name = *text;
      } else if (*label == kName) {
        name = TextOf(pairs[p].value);
        if (!name) return Lwm2mFail(where + ": the name is not a text string");
      } else if (*label == kValue || *label == kStringValue || *label == kBoolValue || *label == kDataValue) {
        value_item = pairs[p].value;
        value_label = *label;
      }
    }
    const std::string full = base_name + name.value_or("");
    const auto path = ParsePath(full);
    if (!path) return Lwm2mFail(where + ": name '" + full + "' is not an LwM2M path");
    if (value_item == nullptr) return Lwm2mFail(where + " (" + full + ") has no value");
    const DataType type = type_of ? type_of(*path) : DataType::kNone;
    Lwm2mResult<Value> value = Lwm2mFail("the value has the wrong CBOR type");
    if (object_link) {
      if (auto text = TextOf(value_item)) value = ValueFromText(*text, DataType::kObjlnk);
    } else if (value_label == kValue) {
      if (auto integer = IntOf(value_item)) {
        value = ValueFromNumber(static_cast<double>(*integer), *integer, true, type);
      } else if (cbor_isa_uint(value_item) && type == DataType::kUnsigned) {
        value = Value(cbor_get_int(value_item));
      } else if (cbor_isa_float_ctrl(value_item) && !cbor_float_ctrl_is_ctrl(value_item)) {
        value = ValueFromNumber(cbor_float_get_float(value_item), 0, false, type);
      }
    } else if (value_label == kStringValue) {
      if (auto text = TextOf(value_item)) {
        value = type == DataType::kNone || type == DataType::kString || type == DataType::kCoreLink
                    ? Lwm2mResult<Value>(Value(*text))
                    : ValueFromText(*text, type);
      }
    } else if (value_label == kBoolValue) {
      if (cbor_is_bool(value_item)) value = Value(cbor_get_bool(value_item));
    } else if (value_label == kDataValue) {
      if (cbor_isa_bytestring(value_item) && cbor_bytestring_is_definite(value_item)) {
        const uint8_t* b = cbor_bytestring_handle(value_item);
        value = Value(Bytes(b, b + cbor_bytestring_length(value_item)));
      }
    }
    if (!value) return Lwm2mFail(where + " (" + full + "): " + value.error());
    out.push_back({*path, std::move(*value)});
  }
  return out;
}

}  // namespace tml::lwm2m
