#include "lwm2m/tlv.h"

#include <cmath>
#include <cstring>
#include <map>

namespace tml::lwm2m {
namespace {

enum Kind : uint8_t { kObjectInstance = 0, kResourceInstance = 1, kMultipleResource = 2, kResourceValue = 3 };

void AppendHeader(Bytes& out, Kind kind, uint16_t id, size_t length) {
  uint8_t type = static_cast<uint8_t>(kind << 6);
  if (id > 0xFF) type |= 0x20;
  if (length < 8) type |= static_cast<uint8_t>(length);
  else if (length <= 0xFF) type |= 0x08;
  else if (length <= 0xFFFF) type |= 0x10;
  else type |= 0x18;
  out.push_back(type);
  if (id > 0xFF) out.push_back(static_cast<uint8_t>(id >> 8));
  out.push_back(static_cast<uint8_t>(id));
  const int length_bytes = length < 8 ? 0 : length <= 0xFF ? 1 : length <= 0xFFFF ? 2 : 3;
  for (int i = length_bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(length >> (8 * i)));
}

void AppendBigEndian(Bytes& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

Bytes ValueBytes(const Value& value) {
  Bytes out;
  struct Visitor {
    Bytes& out;
    void operator()(int64_t v) const {
      const int n = v >= INT8_MIN && v <= INT8_MAX ? 1 : v >= INT16_MIN && v <= INT16_MAX ? 2 : v >= INT32_MIN && v <= INT32_MAX ? 4 : 8;
      AppendBigEndian(out, static_cast<uint64_t>(v), n);
    }
    void operator()(uint64_t v) const {
      AppendBigEndian(out, v, v <= 0xFF ? 1 : v <= 0xFFFF ? 2 : v <= 0xFFFFFFFFull ? 4 : 8);
    }
    void operator()(double v) const {
      const float f = static_cast<float>(v);
      if (static_cast<double>(f) == v || std::isnan(v)) {
        uint32_t bits;
        std::memcpy(&bits, &f, 4);
        AppendBigEndian(out, bits, 4);
      } else {
        uint64_t bits;
        std::memcpy(&bits, &v, 8);
        AppendBigEndian(out, bits, 8);
      }
    }
    void operator()(bool v) const { out.push_back(v ? 1 : 0); }
    void operator()(const std::string& v) const { out.insert(out.end(), v.begin(), v.end()); }
    void operator()(const Bytes& v) const { out.insert(out.end(), v.begin(), v.end()); }
    void operator()(const ObjectLink& v) const {
      AppendBigEndian(out, v.object, 2);
      AppendBigEndian(out, v.instance, 2);
    }
  };
  std::visit(Visitor{out}, value);
  return out;
}

void AppendTlv(Bytes& out, Kind kind, uint16_t id, const Bytes& value) {
  AppendHeader(out, kind, id, value.size());
  out.insert(out.end(), value.begin(), value.end());
}

/// Resources (depth-3 or depth-4 records) of one instance, in order, as TLVs.
Lwm2mResult<Bytes> EncodeResources(const std::vector<const Record*>& records) {
  std::map<uint16_t, std::vector<const Record*>> by_resource;
  for (const Record* r : records) by_resource[r->path.resource()].push_back(r);
  Bytes out;
  for (const auto& [id, list] : by_resource) {
    if (list.size() == 1 && list[0]->path.depth == 3) {
      AppendTlv(out, kResourceValue, id, ValueBytes(list[0]->value));
      continue;
    }
    Bytes inner;
    for (const Record* r : list) {
      if (r->path.depth != 4) return Lwm2mFail("resource " + r->path.ToString() + " has both a value and instances");
      AppendTlv(inner, kResourceInstance, r->path.resource_instance(), ValueBytes(r->value));
    }
    AppendTlv(out, kMultipleResource, id, inner);
  }
  return out;
}

struct Reader {
  const uint8_t* data;
  size_t size;
  size_t at = 0;

  struct Item {
    Kind kind;
    uint16_t id;
    const uint8_t* value;
    size_t length;
    size_t offset;
  };

  Lwm2mResult<Item> Next() {
    const size_t start = at;
    if (at >= size) return Lwm2mFail("TLV ends at byte " + std::to_string(at));
    const uint8_t type = data[at++];
    const int id_bytes = (type & 0x20) ? 2 : 1;
    const int length_bytes = (type >> 3) & 3;
    if (size - at < static_cast<size_t>(id_bytes + length_bytes)) {
      return Lwm2mFail("TLV header at byte " + std::to_string(start) + " is cut short");
    }
    uint16_t id = data[at++];
    if (id_bytes == 2) id = static_cast<uint16_t>(id << 8 | data[at++]);
    size_t length = type & 7;
    if (length_bytes > 0) {
      length = 0;
      for (int i = 0; i < length_bytes; ++i) length = length << 8 | data[at++];
    }
    if (size - at < length) {
      return Lwm2mFail("TLV at byte " + std::to_string(start) + " says " + std::to_string(length) + " bytes, " +
                       std::to_string(size - at) + " remain");
    }
    Item item{static_cast<Kind>(type >> 6), id, data + at, length, start};
    at += length;
    return item;
  }
};

Lwm2mResult<void> DecodeLevel(const Path& parent, const uint8_t* data, size_t size, const TypeOf& type_of,
                              std::vector<Record>& out, size_t base_offset) {
  Reader reader{data, size};
  while (reader.at < size) {
    auto item = reader.Next();
    if (!item) return Lwm2mFail(item.error());
    const size_t offset = base_offset + item->offset;
    // Each TLV kind belongs at one depth: instance under an object, resource under an
    // instance, resource instance under a resource.
    const uint8_t want_parent_depth = item->kind == kObjectInstance    ? 1
                                      : item->kind == kResourceInstance ? 3
                                                                        : 2;
    if (parent.depth != want_parent_depth) {
      static const char* names[] = {"object instance", "resource instance", "multiple resource", "resource"};
      return Lwm2mFail(std::string("a ") + names[item->kind] + " TLV (byte " + std::to_string(offset) +
                       ") cannot sit under " + parent.ToString());
    }
    if (item->id == 0xFFFF) return Lwm2mFail("TLV id 65535 (byte " + std::to_string(offset) + ") is reserved");
    const Path path = parent.Child(item->id);
    if (item->kind == kObjectInstance || item->kind == kMultipleResource) {
      const size_t inner_offset = offset + static_cast<size_t>(item->value - (data + item->offset));
      if (auto r = DecodeLevel(path, item->value, item->length, type_of, out, inner_offset); !r) return r;
      continue;
    }
    const DataType type = type_of ? type_of(path) : DataType::kNone;
    auto value = ValueFromBytes(item->value, item->length, type);
    if (!value) return Lwm2mFail(path.ToString() + " (TLV byte " + std::to_string(offset) + "): " + value.error());
    out.push_back({path, std::move(*value)});
  }
  return {};
}

}  // namespace

Lwm2mResult<Bytes> EncodeTlv(const Path& base, const std::vector<Record>& records) {
  for (const Record& r : records) {
    if (!base.Contains(r.path) || r.path.depth < 3) {
      return Lwm2mFail("record " + r.path.ToString() + " is not a resource under " + base.ToString());
    }
  }
  Bytes out;
  switch (base.depth) {
    case 1: {
      std::map<uint16_t, std::vector<const Record*>> by_instance;
      for (const Record& r : records) by_instance[r.path.instance()].push_back(&r);
      for (const auto& [id, list] : by_instance) {
        auto inner = EncodeResources(list);
        if (!inner) return inner;
        AppendTlv(out, kObjectInstance, id, *inner);
      }
      return out;
    }
    case 2:
    case 3: {
      std::vector<const Record*> list;
      for (const Record& r : records) list.push_back(&r);
      return EncodeResources(list);
    }
    case 4:
      if (records.size() != 1) return Lwm2mFail("a resource instance path takes one value");
      AppendTlv(out, kResourceInstance, base.resource_instance(), ValueBytes(records[0].value));
      return out;
    default: return Lwm2mFail("TLV needs an object, instance, resource or resource instance path");
  }
}

Lwm2mResult<std::vector<Record>> DecodeTlv(const Path& base, const uint8_t* data, size_t size, const TypeOf& type_of) {
  std::vector<Record> out;
  if (base.depth == 0) return Lwm2mFail("TLV needs an object path at least");
  // A payload for a resource path holds that resource's own TLV (or its multiple-resource
  // TLV); for a resource instance path, that instance's TLV: decode them from the parent.
  Path parent = base;
  if (base.depth >= 3) parent.depth = static_cast<uint8_t>(base.depth - 1);
  // Some peers wrap the resources of an instance path in their object instance TLV.
  if (base.depth == 2 && size > 0 && (data[0] >> 6) == kObjectInstance) parent.depth = 1;
  if (auto r = DecodeLevel(parent, data, size, type_of, out, 0); !r) return Lwm2mFail(r.error());
  for (const Record& r : out) {
    if (!base.Contains(r.path)) return Lwm2mFail("TLV holds " + r.path.ToString() + ", outside " + base.ToString());
  }
  return out;
}

}  // namespace tml::lwm2m
