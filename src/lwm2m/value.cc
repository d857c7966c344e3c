#include "lwm2m/value.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace tml::lwm2m {

const char* DataTypeName(DataType type) {
  switch (type) {
    case DataType::kNone: return "none";
    case DataType::kString: return "String";
    case DataType::kInteger: return "Integer";
    case DataType::kUnsigned: return "Unsigned Integer";
    case DataType::kFloat: return "Float";
    case DataType::kBoolean: return "Boolean";
    case DataType::kOpaque: return "Opaque";
    case DataType::kTime: return "Time";
    case DataType::kObjlnk: return "Objlnk";
    case DataType::kCoreLink: return "Corelnk";
  }
  return "?";
}

Lwm2mResult<Value> ValueFromBytes(const uint8_t* data, size_t size, DataType type) {
  auto big_endian = [&] {
    uint64_t v = 0;
    for (size_t i = 0; i < size; ++i) v = v << 8 | data[i];
    return v;
  };
  const bool int_size = size == 1 || size == 2 || size == 4 || size == 8;
  switch (type) {
    case DataType::kInteger:
    case DataType::kTime: {
      if (!int_size) return Lwm2mFail("an integer takes 1, 2, 4 or 8 bytes, not " + std::to_string(size));
      const uint64_t raw = big_endian();
      const int shift = static_cast<int>(64 - 8 * size);
      // Sign-extend from the top bit of the value's own width.
      return Value(static_cast<int64_t>(raw << shift) >> shift);
    }
    case DataType::kUnsigned:
      if (!int_size) return Lwm2mFail("an unsigned integer takes 1, 2, 4 or 8 bytes, not " + std::to_string(size));
      return Value(big_endian());
    case DataType::kFloat:
      if (size == 4) {
        const uint32_t bits = static_cast<uint32_t>(big_endian());
        float f;
        std::memcpy(&f, &bits, 4);
        return Value(static_cast<double>(f));
      }
      if (size == 8) {
        const uint64_t bits = big_endian();
        double d;
        std::memcpy(&d, &bits, 8);
        return Value(d);
      }
      return Lwm2mFail("a float takes 4 or 8 bytes, not " + std::to_string(size));
    case DataType::kBoolean:
      if (size != 1 || data[0] > 1) return Lwm2mFail("a boolean is one byte, 0 or 1");
      return Value(data[0] == 1);
    case DataType::kObjlnk:
      if (size != 4) return Lwm2mFail("an object link takes 4 bytes, not " + std::to_string(size));
      return Value(ObjectLink{static_cast<uint16_t>(data[0] << 8 | data[1]), static_cast<uint16_t>(data[2] << 8 | data[3])});
    case DataType::kString:
    case DataType::kCoreLink: return Value(std::string(reinterpret_cast<const char*>(data), size));
    case DataType::kOpaque:
    case DataType::kNone: return Value(Bytes(data, data + size));
  }
  return Lwm2mFail("unknown data type");
}

Lwm2mResult<Value> ValueFromNumber(double number, int64_t integer, bool is_integer, DataType type) {
  switch (type) {
    case DataType::kInteger:
    case DataType::kTime:
      if (!is_integer) return Lwm2mFail("expected an integer, got " + std::to_string(number));
      return Value(integer);
    case DataType::kUnsigned:
      if (!is_integer || integer < 0) return Lwm2mFail("expected an unsigned integer");
      return Value(static_cast<uint64_t>(integer));
    case DataType::kFloat: return Value(is_integer ? static_cast<double>(integer) : number);
    case DataType::kNone: return is_integer ? Value(integer) : Value(number);
    default: return Lwm2mFail(std::string("a number where a ") + DataTypeName(type) + " was expected");
  }
}

std::string ValueToText(const Value& value) {
  struct Visitor {
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(uint64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof(buf), v);  // shortest text that reads back exactly
      return std::string(buf, r.ptr);
    }
    std::string operator()(bool v) const { return v ? "1" : "0"; }
    std::string operator()(const std::string& v) const { return v; }
    std::string operator()(const Bytes& v) const { return Base64(v, false); }
    std::string operator()(const ObjectLink& v) const { return std::to_string(v.object) + ":" + std::to_string(v.instance); }
  };
  return std::visit(Visitor{}, value);
}

Lwm2mResult<Value> ValueFromText(std::string_view text, DataType type) {
  auto parse_int = [&](auto& out) {
    auto r = std::from_chars(text.data(), text.data() + text.size(), out);
    return r.ec == std::errc() && r.ptr == text.data() + text.size() && !text.empty();
  };
  switch (type) {
    case DataType::kInteger:
    case DataType::kTime: {
      int64_t v = 0;
      if (!parse_int(v)) return Lwm2mFail("'" + std::string(text) + "' is not an integer");
      return Value(v);
    }
    case DataType::kUnsigned: {
      uint64_t v = 0;
      if (!parse_int(v)) return Lwm2mFail("'" + std::string(text) + "' is not an unsigned integer");
      return Value(v);
    }
    case DataType::kFloat: {
      double v = 0;
      auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size() || text.empty()) {
        return Lwm2mFail("'" + std::string(text) + "' is not a number");
      }
      return Value(v);
    }
    case DataType::kBoolean:
      if (text == "0" || text == "1") return Value(text == "1");
      return Lwm2mFail("a boolean is \"0\" or \"1\", not '" + std::string(text) + "'");
    case DataType::kObjlnk: {
      const size_t colon = text.find(':');
      uint16_t o = 0, i = 0;
      if (colon == std::string_view::npos ||
          std::from_chars(text.data(), text.data() + colon, o).ptr != text.data() + colon ||
          std::from_chars(text.data() + colon + 1, text.data() + text.size(), i).ptr != text.data() + text.size()) {
        return Lwm2mFail("an object link is \"OBJECT:INSTANCE\", not '" + std::string(text) + "'");
      }
      return Value(ObjectLink{o, i});
    }
    case DataType::kOpaque: {
      auto bytes = FromBase64(text);
      if (!bytes) return Lwm2mFail(bytes.error());
      return Value(*bytes);
    }
    case DataType::kString:
    case DataType::kCoreLink:
    case DataType::kNone: return Value(std::string(text));
  }
  return Lwm2mFail("unknown data type");
}

std::string Base64(const Bytes& bytes, bool url) {
  const char* alphabet = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                             : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = bytes[i] << 16 | bytes[i + 1] << 8 | bytes[i + 2];
    for (int s = 18; s >= 0; s -= 6) out += alphabet[n >> s & 63];
  }
  if (const size_t left = bytes.size() - i; left > 0) {
    const uint32_t n = bytes[i] << 16 | (left == 2 ? bytes[i + 1] << 8 : 0);
    out += alphabet[n >> 18 & 63];
    out += alphabet[n >> 12 & 63];
    if (left == 2) out += alphabet[n >> 6 & 63];
    if (!url) out.append(3 - left, '=');
  }
  return out;
}

Lwm2mResult<Bytes> FromBase64(std::string_view text) {
  // Both alphabets, padding optional (SenML's "vd" is base64url without it).
  auto sextet = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return Lwm2mFail("base64 text of " + std::to_string(text.size()) + " characters is cut short");
  Bytes out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = sextet(c);
    if (v < 0) return Lwm2mFail(std::string("'") + c + "' is not a base64 character");
    acc = acc << 6 | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
    }
  }
  return out;
}

}  // namespace tml::lwm2m
