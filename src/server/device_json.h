#pragma once
// What the device routes share: the LwM2M server of a request, its path and format
// parameters, LwM2M values and records as JSON, and a device's answer as the API's error.

#include <nlohmann/json.hpp>

#include "lwm2m/content_format.h"
#include "lwm2m/lwm2m_server.h"
#include "server/routes.h"

namespace tml::server {

/// The service's LwM2M server, or a 503 saying it runs none.
lwm2m::Lwm2mServer& Lwm2m(const RouteContext& c);
/// The LwM2M path in match `index`, or a 400.
lwm2m::Path PathParam(const RouteContext& c, int index);
/// ?format= (default senml-json); `link` (Discover) only where `allow_link`. A 422 names the choices.
lwm2m::ContentFormat FormatParam(const RouteContext& c, bool allow_link);
/// A value as JSON: numbers, strings and booleans as they are; opaque as {"base64": ...};
/// object links as "O:I".
nlohmann::json ValueJson(const lwm2m::Value& v);
/// A JSON value as the type of the resource at `path`, or a 422 naming what it should be.
lwm2m::Value ValueFromJson(const nlohmann::json& j, const lwm2m::Path& path);
/// Records as [{path, name, type, value}].
nlohmann::json RecordsJson(const std::vector<lwm2m::Record>& records);
/// A device's non-2.xx answer as a 502 (a timeout as a 504), naming `what` was asked.
void ThrowUnlessOk(const lwm2m::Lwm2mResult<lwm2m::DeviceResponse>& r, const std::string& what);

}  // namespace tml::server
