#pragma once
// api/openapi.yaml, compiled into the server so /openapi.yaml always matches the binary.

namespace tml::server {

/// The OpenAPI document, verbatim.
const char* OpenApiDocument();

}  // namespace tml::server
