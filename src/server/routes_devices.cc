// /api/v1/devices: provisioning (endpoint name + a generated DTLS PSK, shown once) and what
// the LwM2M server knows of each device (registration, lifetime, objects, last seen, online).
#include "lwm2m/lwm2m_server.h"
#include "server/api_error.h"
#include "server/routes.h"
#include "store/store.h"

namespace tml::server {
namespace {

std::string IsoTime(int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::json DeviceView(const RouteContext& c, const store::DeviceRecord& d) {
  nlohmann::json view = {{"id", d.id},
                         {"endpoint", d.endpoint},
                         {"psk_identity", d.psk_identity},
                         {"tags", d.tags},
                         {"created_at", d.created_at},
                         {"online", false},
                         {"registration", nullptr},
                         {"firmware_version", nullptr},
                         {"model_sha256", nullptr}};
  const auto r = c.options.lwm2m != nullptr ? c.options.lwm2m->FindEndpoint(d.endpoint) : std::nullopt;
  if (r) {
    nlohmann::json objects = nlohmann::json::array();
    for (const auto& link : r->objects) objects.push_back(link.target);
    view["online"] = true;
    view["registration"] = {{"id", r->id},
                            {"registered_at", IsoTime(r->registered_at)},
                            {"last_seen", IsoTime(r->updated_at)},
                            {"lifetime", r->lifetime},
                            {"lwm2m_version", r->version},
                            {"binding", r->binding},
                            {"objects", objects},
                            {"peer", r->peer},
                            {"secure", !r->psk_identity.empty()}};
  }
  return view;
}

void Provision(RouteContext& c) {
  const auto body = nlohmann::json::parse(c.request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) throw ApiError(400, "Bad Request", "the body must be a JSON object");
  if (!body.contains("endpoint") || !body["endpoint"].is_string()) {
    throw ApiError(422, "Unprocessable Content", "\"endpoint\" is required: the device's LwM2M endpoint name");
  }
  std::vector<std::string> tags;
  if (body.contains("tags")) {
    if (!body["tags"].is_array()) throw ApiError(422, "Unprocessable Content", "\"tags\" must be an array of names");
    for (const auto& t : body["tags"]) {
      if (!t.is_string()) throw ApiError(422, "Unprocessable Content", "\"tags\" must be an array of names");
      tags.push_back(t.get<std::string>());
    }
  }
  auto device = c.store.AddDevice(body["endpoint"].get<std::string>(), tags);
  if (!device) throw FromStore(device.error());
  auto view = DeviceView(c, *device);
  view["psk_key"] = device->psk_key_hex;  // once: the device needs it, later reads never show it
  c.response.set_header("Location", "/api/v1/devices/" + device->endpoint);
  SendJson(c.response, 201, view);
}

}  // namespace

std::vector<Route> DeviceRoutes() {
  return {
      {"POST", "/api/v1/devices", Access::kWrite, false, Provision},
      {"GET", "/api/v1/devices", Access::kRead, false,
       [](RouteContext& c) {
         const store::Page page = PageFromQuery(c.request);
         const auto devices = c.store.ListDevices(page);
         nlohmann::json items = nlohmann::json::array();
         for (const auto& d : devices) items.push_back(DeviceView(c, d));
         SendJson(c.response, 200,
                  {{"items", items}, {"next_after", NextAfter(devices.size(), page, devices.empty() ? 0 : devices.back().id)}});
       }},
      {"GET", R"(/api/v1/devices/([A-Za-z0-9._-]+))", Access::kRead, false,
       [](RouteContext& c) {
         auto d = c.store.GetDevice(c.request.matches[1].str());
         if (!d) throw FromStore(d.error());
         SendJson(c.response, 200, DeviceView(c, *d));
       }},
      {"DELETE", R"(/api/v1/devices/([A-Za-z0-9._-]+))", Access::kWrite, false,
       [](RouteContext& c) {
         if (auto r = c.store.DeleteDevice(c.request.matches[1].str()); !r) throw FromStore(r.error());
         c.response.status = 204;
       }},
  };
}

}  // namespace tml::server
