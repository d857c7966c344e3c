#pragma once
// OMA TLV (content format 11542, LwM2M 1.1 core spec 7.4.3): a type byte (bits 7-6: object
// instance 00, resource instance 01, multiple resource 10, resource with value 11; bit 5: a
// 16-bit identifier; bits 4-3: the length field's size 0-3 bytes; bits 2-0: the length when
// that size is 0), the identifier, the length, the value. Socket-free, plain functions.

#include <cstdint>
#include <vector>

#include "lwm2m/value.h"

namespace tml::lwm2m {

/// The TLV of `records`, all under `base` (the request's path): object instances for an
/// object path, resources for an instance path, a resource (or multiple resource) for a
/// resource path, a resource instance for a resource instance path. Records of a resource
/// with instances carry depth-4 paths.
Lwm2mResult<Bytes> EncodeTlv(const Path& base, const std::vector<Record>& records);

/// Decodes a TLV payload received for `base`; each value is read with the type `type_of`
/// gives its path (opaque bytes when it gives kNone).
Lwm2mResult<std::vector<Record>> DecodeTlv(const Path& base, const uint8_t* data, size_t size, const TypeOf& type_of);

}  // namespace tml::lwm2m
