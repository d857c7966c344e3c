// /api/v1/builds: create (reusing an identical succeeded build), list, get, cancel, the log
// (streamed while the build runs) and the artifacts (ETag, HTTP Range).
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "firmware/host/board_spec.h"
#include "jobs/build_queue.h"
#include "runtime/plan_format.h"
#include "server/api_error.h"
#include "server/routes.h"
#include "store/store.h"

namespace tml::server {
namespace {

nlohmann::json BuildView(const store::BuildRecord& b) {
  auto opt = [](const std::string& s) { return s.empty() ? nlohmann::json() : nlohmann::json(s); };
  return {{"id", b.id},
          {"model_id", b.model_id},
          {"board", b.board},
          {"builder", b.builder},
          {"builder_image", opt(b.builder_image)},
          {"image_digest", opt(b.image_digest)},
          {"status", store::BuildStatusName(b.status)},
          {"reason", opt(b.reason)},
          {"created_at", b.created_at},
          {"started_at", opt(b.started_at)},
          {"finished_at", opt(b.finished_at)}};
}

void Create(RouteContext& c) {
  const auto body = nlohmann::json::parse(c.request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) throw ApiError(400, "Bad Request", "the body must be a JSON object");
  store::StoreResult<store::ModelRecord> model = store::StoreFail(store::StoreErrorCode::kInvalid, "");
  if (body.contains("model_id") && body["model_id"].is_number_integer()) {
    model = c.store.GetModel(body["model_id"].get<int64_t>());
  } else if (body.contains("model") && body["model"].is_string()) {
    model = c.store.FindModel(body["model"].get<std::string>(), body.value("version", std::string("1")));
  } else {
    throw ApiError(422, "Unprocessable Content", "name the model with \"model_id\" or \"model\" (and \"version\")");
  }
  if (!model) throw FromStore(model.error());
  if (!body.contains("board") || !body["board"].is_string()) throw ApiError(422, "Unprocessable Content", "\"board\" is required");
  const std::string board = body["board"].get<std::string>();
  if (body.contains("builder") && !body["builder"].is_string()) {
    throw ApiError(422, "Unprocessable Content", "\"builder\" must be a builder name");
  }
  const ResolvedBuilder builder = ResolveBuilder(
      c, body.contains("builder") ? std::optional<std::string>(body["builder"].get<std::string>()) : std::nullopt, board);
  // Builds are reproducible: the same model, board, builder image and op set give the same
  // firmware (a tag pushed again with new content is a new image only after a new registration).
  const std::string key = model->blob_sha256 + ":" + board + ":" + builder.name + ":" + builder.image + ":opset" +
                          std::to_string(kOpSetVersion);
  if (auto reused = c.store.FindSucceededBuild(key)) {
    auto view = BuildView(*reused);
    view["reused"] = true;
    SendJson(c.response, 200, view);
    return;
  }
  auto build = c.store.AddBuild(model->id, board, builder.name, builder.image, key);
  if (!build) throw FromStore(build.error());
  c.queue.Enqueue(build->id);
  auto view = BuildView(*build);
  view["reused"] = false;
  c.response.set_header("Location", "/api/v1/builds/" + std::to_string(build->id));
  SendJson(c.response, 202, view);
}

/// Streams the log; with ?follow=1 keeps the response open until the build finishes.
void Log(RouteContext& c) {
  const int64_t id = PathId(c.request, 1);
  if (auto b = c.store.GetBuild(id); !b) throw FromStore(b.error());
  const std::string path = c.queue.LogPath(id);
  const bool follow = c.request.get_param_value("follow") == "1";
  store::Store* store = &c.store;
  c.response.set_chunked_content_provider("text/plain", [path, follow, store, id](size_t offset, httplib::DataSink& sink) {
    char buffer[4096];
    bool finished = !follow;
    for (;;) {
      std::ifstream in(path, std::ios::binary);
      in.seekg(static_cast<std::streamoff>(offset));
      in.read(buffer, sizeof(buffer));
      if (in.gcount() > 0) return sink.write(buffer, static_cast<size_t>(in.gcount()));
      if (finished) {
        sink.done();
        return true;
      }
      // Nothing new. The worker writes its last log line before it marks the build finished,
      // so once it is finished one more read picks up the end of the log.
      const auto build = store->GetBuild(id);
      finished = !build || store::IsFinished(build->status);
      if (finished) continue;
      if (!sink.is_writable()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
}

void Artifact(RouteContext& c) {
  const int64_t id = PathId(c.request, 1);
  const std::string name = c.request.matches[2].str();
  for (const auto& a : c.store.ListArtifacts(id)) {
    if (a.name == name) return SendBlob(c, a.blob_sha256, a.bytes, a.name);
  }
  throw ApiError(404, "Not Found", "build " + std::to_string(id) + " has no artifact '" + name + "'");
}

}  // namespace

std::vector<Route> BuildRoutes() {
  return {
      {"POST", "/api/v1/builds", Access::kWrite, false, Create},
      {"GET", "/api/v1/builds", Access::kRead, false,
       [](RouteContext& c) {
         const store::Page page = PageFromQuery(c.request);
         std::optional<store::BuildStatus> status;
         if (c.request.has_param("status")) {
           const std::string wanted = c.request.get_param_value("status");
           status = store::ParseBuildStatus(wanted);
           if (!status) throw ApiError(422, "Unprocessable Content", "unknown status '" + wanted + "'");
         }
         nlohmann::json items = nlohmann::json::array();
         const auto builds = c.store.ListBuilds(page, status);
         for (const auto& b : builds) items.push_back(BuildView(b));
         SendJson(c.response, 200,
                  {{"items", items}, {"next_after", NextAfter(builds.size(), page, builds.empty() ? 0 : builds.back().id)}});
       }},
      {"GET", R"(/api/v1/builds/(\d+))", Access::kRead, false,
       [](RouteContext& c) {
         auto b = c.store.GetBuild(PathId(c.request, 1));
         if (!b) throw FromStore(b.error());
         SendJson(c.response, 200, BuildView(*b));
       }},
      {"POST", R"(/api/v1/builds/(\d+)/cancel)", Access::kWrite, false,
       [](RouteContext& c) {
         auto b = c.queue.Cancel(PathId(c.request, 1));
         if (!b) throw FromStore(b.error());
         SendJson(c.response, 202, BuildView(*b));
       }},
      {"GET", R"(/api/v1/builds/(\d+)/log)", Access::kRead, false, Log},
      {"GET", R"(/api/v1/builds/(\d+)/artifacts)", Access::kRead, false,
       [](RouteContext& c) {
         const int64_t id = PathId(c.request, 1);
         if (auto b = c.store.GetBuild(id); !b) throw FromStore(b.error());
         nlohmann::json items = nlohmann::json::array();
         for (const auto& a : c.store.ListArtifacts(id)) {
           items.push_back({{"name", a.name}, {"bytes", a.bytes}, {"sha256", a.blob_sha256},
                            {"href", "/api/v1/builds/" + std::to_string(id) + "/artifacts/" + a.name}});
         }
         SendJson(c.response, 200, {{"items", items}});
       }},
      {"GET", R"(/api/v1/builds/(\d+)/artifacts/([A-Za-z0-9._-]+))", Access::kRead, false, Artifact},
  };
}

}  // namespace tml::server
