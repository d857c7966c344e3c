// /api/v1/devices: provisioning (endpoint name + a generated DTLS PSK, shown once) and what
// the LwM2M server knows of each device (registration, lifetime, objects, last seen, online).
#include "common/utc_time.h"
#include "lwm2m/content_format.h"
#include "lwm2m/link_format.h"
#include "lwm2m/lwm2m_server.h"
#include "lwm2m/objects.h"
#include "server/api_error.h"
#include "server/device_json.h"
#include "server/routes.h"
#include "store/store.h"

namespace tml::server {
namespace {

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
    if (!r->firmware_version.empty()) view["firmware_version"] = r->firmware_version;
    if (!r->software_version.empty()) view["model_sha256"] = r->software_version;
    view["registration"] = {{"id", r->id},
                            {"registered_at", common::FormatUtc(r->registered_at)},
                            {"last_seen", common::FormatUtc(r->updated_at)},
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

void ReadObjects(RouteContext& c) {
  const std::string endpoint = c.request.matches[1].str();
  const lwm2m::Path path = PathParam(c, 2);
  const lwm2m::ContentFormat format = FormatParam(c, true);
  auto r = Lwm2m(c).Request(endpoint, lwm2m::Method::kGet, path, format);
  ThrowUnlessOk(r, (format == lwm2m::ContentFormat::kLinkFormat ? "discover " : "read ") + path.ToString());
  if (format == lwm2m::ContentFormat::kLinkFormat) {  // Discover
    auto links = lwm2m::ParseLinkFormat(std::string_view(reinterpret_cast<const char*>(r->payload.data()), r->payload.size()));
    if (!links) throw ApiError(502, "Bad Gateway", "the device's answer: " + links.error());
    nlohmann::json items = nlohmann::json::array();
    for (const auto& l : *links) items.push_back({{"target", l.target}, {"attributes", l.params}});
    SendJson(c.response, 200, {{"endpoint", endpoint}, {"path", path.ToString()}, {"format", "link"}, {"links", items}});
    return;
  }
  auto records = lwm2m::DecodeRecords(r->format.value_or(format), path, r->payload, lwm2m::TypeOfResource);
  if (!records) throw ApiError(502, "Bad Gateway", "the device's answer: " + records.error());
  SendJson(c.response, 200, {{"endpoint", endpoint}, {"path", path.ToString()},
                             {"format", lwm2m::ContentFormatName(r->format.value_or(format))}, {"records", RecordsJson(*records)}});
}

void WriteObject(RouteContext& c) {
  const std::string endpoint = c.request.matches[1].str();
  const lwm2m::Path path = PathParam(c, 2);
  if (path.depth != 3) throw ApiError(422, "Unprocessable Content", "write one resource: /OBJECT/INSTANCE/RESOURCE");
  const auto body = nlohmann::json::parse(c.request.body, nullptr, false);
  if (!body.is_object() || !body.contains("value")) throw ApiError(400, "Bad Request", "the body must be {\"value\": ...}");
  const lwm2m::Value value = ValueFromJson(body["value"], path);
  auto payload = lwm2m::EncodeRecords(lwm2m::ContentFormat::kTlv, path, {{path, value}});
  if (!payload) throw ApiError(422, "Unprocessable Content", payload.error());
  // A large value (a Package) goes block-wise and may take a while on a slow link.
  auto r = Lwm2m(c).Request(endpoint, lwm2m::Method::kPut, path, std::nullopt, lwm2m::ContentFormat::kTlv, *payload, 120);
  ThrowUnlessOk(r, "write " + path.ToString());
  SendJson(c.response, 200, {{"endpoint", endpoint}, {"path", path.ToString()}, {"code", r->code}});
}

void ExecuteObject(RouteContext& c) {
  const std::string endpoint = c.request.matches[1].str();
  const lwm2m::Path path = PathParam(c, 2);
  auto r = Lwm2m(c).Request(endpoint, lwm2m::Method::kPost, path, std::nullopt, std::nullopt,
                            lwm2m::Bytes(c.request.body.begin(), c.request.body.end()), 330);
  ThrowUnlessOk(r, "execute " + path.ToString());
  SendJson(c.response, 200, {{"endpoint", endpoint}, {"path", path.ToString()}, {"code", r->code}});
}

/// One inference on the device: write Input, execute Run, read Output and its figures.
void Infer(RouteContext& c) {
  const std::string endpoint = c.request.matches[1].str();
  using lwm2m::MakePath;
  constexpr uint16_t kObj = lwm2m::kInferenceObject;
  auto& server = Lwm2m(c);
  const lwm2m::Bytes input(c.request.body.begin(), c.request.body.end());
  ThrowUnlessOk(server.Request(endpoint, lwm2m::Method::kPut, MakePath({kObj, 0, 0}), std::nullopt,
                               lwm2m::ContentFormat::kOpaque, input),
                "write the input");
  ThrowUnlessOk(server.Request(endpoint, lwm2m::Method::kPost, MakePath({kObj, 0, 1}), std::nullopt, std::nullopt, {}, 330),
                "run");
  auto r = server.Request(endpoint, lwm2m::Method::kGet, MakePath({kObj, 0}), lwm2m::ContentFormat::kSenmlJson);
  ThrowUnlessOk(r, "read the output");
  auto records = lwm2m::DecodeRecords(*r->format, MakePath({kObj, 0}), r->payload, lwm2m::TypeOfResource);
  if (!records) throw ApiError(502, "Bad Gateway", "the device's answer: " + records.error());
  nlohmann::json out = {{"endpoint", endpoint}};
  for (const auto& rec : *records) {
    switch (rec.path.resource()) {
      case 2: out["output_base64"] = lwm2m::Base64(std::get<lwm2m::Bytes>(rec.value), false); break;
      case 3: out["latency_cycles"] = ValueJson(rec.value); break;
      case 4: out["model_sha256"] = ValueJson(rec.value); break;
      case 6: out["inference_count"] = ValueJson(rec.value); break;
      default: break;
    }
  }
  SendJson(c.response, 200, out);
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
      {"GET", R"(/api/v1/devices/([A-Za-z0-9._-]+)/objects/([0-9/]+))", Access::kRead, false, ReadObjects},
      {"PUT", R"(/api/v1/devices/([A-Za-z0-9._-]+)/objects/([0-9/]+))", Access::kWrite, false, WriteObject},
      {"POST", R"(/api/v1/devices/([A-Za-z0-9._-]+)/objects/([0-9/]+)/execute)", Access::kWrite, false, ExecuteObject},
      {"POST", R"(/api/v1/devices/([A-Za-z0-9._-]+)/infer)", Access::kWrite, false, Infer},
      {"DELETE", R"(/api/v1/devices/([A-Za-z0-9._-]+))", Access::kWrite, false,
       [](RouteContext& c) {
         if (auto r = c.store.DeleteDevice(c.request.matches[1].str()); !r) throw FromStore(r.error());
         c.response.status = 204;
       }},
  };
}

}  // namespace tml::server
