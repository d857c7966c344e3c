#pragma once
// Resource values and records (a value at a path), as every content format carries them.
// TLV and plain text do not say a value's type: decoding them takes the type from the object
// definitions (objects.h), through a TypeOf function.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <tl/expected.hpp>

#include "lwm2m/path.h"

namespace tml::lwm2m {

template <typename T>
using Lwm2mResult = tl::expected<T, std::string>;
inline tl::unexpected<std::string> Lwm2mFail(std::string message) { return tl::unexpected<std::string>(std::move(message)); }

/// The LwM2M 1.1 data types (Appendix C of the core spec).
enum class DataType { kNone, kString, kInteger, kUnsigned, kFloat, kBoolean, kOpaque, kTime, kObjlnk, kCoreLink };
const char* DataTypeName(DataType type);

struct ObjectLink {
  uint16_t object = 0;
  uint16_t instance = 0;
  bool operator==(const ObjectLink&) const = default;
};
using Bytes = std::vector<uint8_t>;

/// Integer and Time are int64_t, Unsigned is uint64_t, String and CoreLink are std::string.
using Value = std::variant<int64_t, uint64_t, double, bool, std::string, Bytes, ObjectLink>;

struct Record {
  Path path;
  Value value;
  bool operator==(const Record& other) const { return path == other.path && value == other.value; }
};

/// The type of the resource at a path (kNone when the definitions do not know it).
using TypeOf = std::function<DataType(const Path&)>;

/// Raw bytes (as TLV carries them) read as `type`: integers 1/2/4/8 bytes big-endian, floats
/// 4/8, booleans 1 byte 0/1, object links 4 bytes; strings and opaque as they are.
Lwm2mResult<Value> ValueFromBytes(const uint8_t* data, size_t size, DataType type);
/// A number given as an integer or a double, coerced to `type` (SenML "v", plain text).
Lwm2mResult<Value> ValueFromNumber(double number, int64_t integer, bool is_integer, DataType type);

/// Plain text (content format 0) of a single value, and back.
std::string ValueToText(const Value& value);
Lwm2mResult<Value> ValueFromText(std::string_view text, DataType type);

std::string Base64(const Bytes& bytes, bool url);
Lwm2mResult<Bytes> FromBase64(std::string_view text);

}  // namespace tml::lwm2m
