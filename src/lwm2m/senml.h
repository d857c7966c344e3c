#pragma once
// SenML (RFC 8428) as LwM2M 1.1 uses it (core spec 7.4.4-7.4.5): SenML JSON (content format
// 110) and SenML CBOR (112). Names are paths: base name + name, e.g. "/3/0/" + "0". Values:
// "v" numbers, "vs" strings (also Corelnk), "vb" booleans, "vd" opaque (base64url in JSON, a
// byte string in CBOR), "vlo" object links ("3:0"). Socket-free, plain functions.

#include <string>
#include <vector>

#include "lwm2m/value.h"

namespace tml::lwm2m {

/// Encodes `records` with the base name `base` ("/3/0/"): every name is relative to it.
std::string EncodeSenmlJson(const Path& base, const std::vector<Record>& records);
Lwm2mResult<std::vector<Record>> DecodeSenmlJson(std::string_view text, const TypeOf& type_of);

Bytes EncodeSenmlCbor(const Path& base, const std::vector<Record>& records);
Lwm2mResult<std::vector<Record>> DecodeSenmlCbor(const uint8_t* data, size_t size, const TypeOf& type_of);

}  // namespace tml::lwm2m
