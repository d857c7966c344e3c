// Observe and Write-Attributes for an operator: /api/v1/devices/{endpoint}/observe/{path}
// streams the device's notifications as NDJSON (one JSON object per line, the current value
// first) until `count` of them, `timeout` seconds, or the client goes away, and then cancels
// the observation; /api/v1/devices/{endpoint}/attributes/{path} writes pmin, pmax, gt, lt, st.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "common/utc_time.h"
#include "lwm2m/objects.h"
#include "lwm2m/observe.h"
#include "server/api_error.h"
#include "server/device_json.h"
#include "server/routes.h"

namespace tml::server {
namespace {

/// The lines of one observation waiting to be streamed.
struct NotificationStream {
  std::mutex mutex;
  std::condition_variable arrived;
  std::deque<std::string> lines;
  int64_t sequence = 0;
};

std::string NotificationLine(const lwm2m::DeviceResponse& r, const lwm2m::Path& path, lwm2m::ContentFormat format,
                             int64_t sequence) {
  nlohmann::json line = {{"sequence", sequence}, {"code", lwm2m::CoapCodeText(r.code)}, {"received_at", common::NowUtc()}};
  if (r.code / 100 == 2) {
    auto records = lwm2m::DecodeRecords(r.format.value_or(format), path, r.payload, lwm2m::TypeOfResource);
    if (records) line["records"] = RecordsJson(*records);
    else line["error"] = "the device's notification: " + records.error();
  } else {
    line["error"] = "the device ended the observation: " + std::string(r.payload.begin(), r.payload.end());
  }
  return line.dump() + "\n";
}

int64_t IntParam(const RouteContext& c, const char* name, int64_t fallback) {
  if (!c.request.has_param(name)) return fallback;
  const std::string text = c.request.get_param_value(name);
  try {
    size_t used = 0;
    const int64_t value = std::stoll(text, &used);
    if (used == text.size() && value >= 0) return value;
  } catch (const std::exception&) {
  }
  throw ApiError(422, "Unprocessable Content", std::string(name) + "='" + text + "' is not a whole number >= 0");
}

void Observe(RouteContext& c) {
  const std::string endpoint = c.request.matches[1].str();
  const lwm2m::Path path = PathParam(c, 2);
  const lwm2m::ContentFormat format = FormatParam(c, false);
  const int64_t count = IntParam(c, "count", 0);      // 0: until the client goes away
  const int64_t timeout = IntParam(c, "timeout", 0);  // seconds; 0: none
  auto& server = Lwm2m(c);
  auto stream = std::make_shared<NotificationStream>();
  auto first = server.Observe(endpoint, path, format, [stream, path, format](const lwm2m::DeviceResponse& r) {
    {
      std::lock_guard lock(stream->mutex);
      stream->lines.push_back(NotificationLine(r, path, format, ++stream->sequence));
    }
    stream->arrived.notify_all();
  });
  ThrowUnlessOk(first, "observe " + path.ToString());
  if (first->observation.empty()) {
    throw ApiError(502, "Bad Gateway", "the device answered the Observe of " + path.ToString() + " without observing it");
  }
  {
    std::lock_guard lock(stream->mutex);
    stream->lines.push_front(NotificationLine(*first, path, format, 0));  // older than any notification
  }
  const std::string observation = first->observation;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
  auto sent = std::make_shared<int64_t>(0);
  c.response.set_chunked_content_provider(
      "application/x-ndjson",
      [stream, count, timeout, deadline, sent](size_t, httplib::DataSink& sink) {
        std::deque<std::string> lines;
        {
          std::unique_lock lock(stream->mutex);
          stream->arrived.wait_for(lock, std::chrono::milliseconds(500), [&] { return !stream->lines.empty(); });
          lines.swap(stream->lines);
        }
        for (const std::string& line : lines) {
          if (!sink.write(line.data(), line.size())) return false;
          // The first line is the current value; `count` counts the notifications after it.
          if (count > 0 && (*sent)++ >= count) {
            sink.done();
            return true;
          }
        }
        if (timeout > 0 && std::chrono::steady_clock::now() >= deadline) {
          sink.done();
          return true;
        }
        return sink.is_writable();
      },
      [&server, observation](bool) { server.CancelObservation(observation); });
}

void WriteAttributes(RouteContext& c) {
  const std::string endpoint = c.request.matches[1].str();
  const lwm2m::Path path = PathParam(c, 2);
  const auto body = nlohmann::json::parse(c.request.body, nullptr, false);
  if (!body.is_object() || body.empty()) {
    throw ApiError(400, "Bad Request", "the body must be a JSON object of pmin, pmax, gt, lt, st (null removes one)");
  }
  std::string query;
  for (const auto& [name, value] : body.items()) {
    if (!value.is_null() && !value.is_number()) {
      throw ApiError(422, "Unprocessable Content", "\"" + name + "\" must be a number, or null to remove it");
    }
    query += (query.empty() ? "" : "&") + name + (value.is_null() ? "" : "=" + value.dump());
  }
  // Checked here first, so a mistake is named without a round trip to the device.
  if (auto parsed = lwm2m::ParseAttributeQuery(query); !parsed) throw ApiError(422, "Unprocessable Content", parsed.error());
  auto r = Lwm2m(c).WriteAttributes(endpoint, path, query);
  ThrowUnlessOk(r, "write attributes of " + path.ToString());
  SendJson(c.response, 200, {{"endpoint", endpoint}, {"path", path.ToString()}, {"attributes", query}, {"code", r->code}});
}

}  // namespace

std::vector<Route> DeviceObserveRoutes() {
  return {
      {"GET", R"(/api/v1/devices/([A-Za-z0-9._-]+)/observe/([0-9/]+))", Access::kRead, false, Observe},
      {"PUT", R"(/api/v1/devices/([A-Za-z0-9._-]+)/attributes/([0-9/]+))", Access::kWrite, false, WriteAttributes},
  };
}

}  // namespace tml::server
