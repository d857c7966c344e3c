// /api/v1/models: upload (streamed, size-limited, validated), list, get, download, delete.
#include "compiler/compile.h"
#include "compiler/file_io.h"
#include "compiler/loaded_plan.h"
#include "compiler/plan_inspector.h"
#include "compiler/tflite/tflite_reader.h"
#include "server/api_error.h"
#include "server/routes.h"
#include "store/store.h"

namespace tml::server {
namespace {

nlohmann::json ModelView(const store::ModelRecord& m) {
  return {{"id", m.id},       {"name", m.name},         {"version", m.version},
          {"sha256", m.blob_sha256}, {"bytes", m.bytes}, {"created_at", m.created_at},
          {"facts", nlohmann::json::parse(m.facts_json, nullptr, false)}};
}

/// The same view as text, with the stored facts spliced in verbatim: listing many models
/// must not re-parse every model's facts (it dominated the list's cost).
std::string ModelViewText(const store::ModelRecord& m) {
  nlohmann::json head = {{"id", m.id},           {"name", m.name},   {"version", m.version},
                         {"sha256", m.blob_sha256}, {"bytes", m.bytes}, {"created_at", m.created_at}};
  std::string text = head.dump();
  text.pop_back();  // the closing brace
  return text + ",\"facts\":" + m.facts_json + "}";
}

/// What `tmlc inspect` says about a model, or why it does not compile.
nlohmann::json Facts(const std::vector<uint8_t>& tflite) {
  auto compiled = compiler::Compile(tflite);
  if (!compiled) return {{"compile_error", compiled.error().message}};
  auto loaded = compiler::LoadedPlan::From(compiled->plan);
  if (!loaded) return {{"compile_error", loaded.error().message}};
  const compiler::PlanSummary s = compiler::Summarize(loaded->plan());
  nlohmann::json ops = nlohmann::json::array();
  for (const auto& op : s.ops) ops.push_back({{"kernel", op.kernel}, {"macs", op.macs}});
  return {{"arena_bytes", s.arena_bytes}, {"plan_bytes", s.plan_bytes}, {"constant_bytes", s.constant_bytes},
          {"macs", s.total_macs},         {"plan_sha256", s.content_sha256}, {"ops", ops}};
}

void Upload(RouteContext& c) {
  const std::string name = c.request.get_param_value("name");
  const std::string version = c.request.has_param("version") ? c.request.get_param_value("version") : "1";
  if (auto r = store::ValidateName("model name", name); !r) throw FromStore(r.error());
  if (auto r = store::ValidateName("model version", version); !r) throw FromStore(r.error());
  auto writer = c.store.blobs().Begin(c.options.max_model_bytes);
  if (!writer) throw FromStore(writer.error());
  std::optional<store::StoreError> failure;
  (*c.body)([&](const char* data, size_t size) {
    if (auto r = writer->Write(reinterpret_cast<const uint8_t*>(data), size); !r) {
      failure = r.error();
      return false;  // stop reading: nothing more is held or written
    }
    return true;
  });
  if (failure) throw FromStore(*failure);
  auto blob = writer->Finish();
  if (!blob) throw FromStore(blob.error());
  auto read = compiler::ReadFile(c.store.blobs().PathOf(blob->sha256));
  if (!read) throw ApiError(500, "Internal Server Error", read.error().message);
  const std::vector<uint8_t>& bytes = *read;
  if (auto graph = compiler::ReadTflite(bytes); !graph) {
    if (!blob->existed) c.store.blobs().Remove(blob->sha256);
    throw ApiError(422, "Unprocessable Content", "not a valid TFLite model: " + graph.error().message);
  }
  auto model = c.store.AddModel(name, version, *blob, Facts(bytes).dump());
  if (!model) {
    throw FromStore(model.error());
  }
  c.response.set_header("Location", "/api/v1/models/" + std::to_string(model->id));
  SendJson(c.response, 201, ModelView(*model));
}

}  // namespace

std::vector<Route> ModelRoutes() {
  return {
      {"POST", "/api/v1/models", Access::kWrite, true, Upload},
      {"GET", "/api/v1/models", Access::kRead, false,
       [](RouteContext& c) {
         const store::Page page = PageFromQuery(c.request);
         std::optional<std::string> name;
         if (c.request.has_param("name")) name = c.request.get_param_value("name");
         const auto models = c.store.ListModels(page, name);
         std::string body = "{\"items\":[";
         for (size_t i = 0; i < models.size(); ++i) body += (i ? "," : "") + ModelViewText(models[i]);
         body += "],\"next_after\":" + NextAfter(models.size(), page, models.empty() ? 0 : models.back().id).dump() + "}";
         c.response.status = 200;
         c.response.set_content(body, "application/json");
       }},
      {"GET", R"(/api/v1/models/(\d+))", Access::kRead, false,
       [](RouteContext& c) {
         auto m = c.store.GetModel(PathId(c.request, 1));
         if (!m) throw FromStore(m.error());
         SendJson(c.response, 200, ModelView(*m));
       }},
      {"GET", R"(/api/v1/models/(\d+)/file)", Access::kRead, false,
       [](RouteContext& c) {
         auto m = c.store.GetModel(PathId(c.request, 1));
         if (!m) throw FromStore(m.error());
         SendBlob(c, m->blob_sha256, m->bytes, m->name + ".tflite");
       }},
      {"DELETE", R"(/api/v1/models/(\d+))", Access::kWrite, false,
       [](RouteContext& c) {
         if (auto r = c.store.DeleteModel(PathId(c.request, 1)); !r) throw FromStore(r.error());
         c.response.status = 204;
       }},
  };
}

}  // namespace tml::server
