// /api/v1/builders: the built-in builder and the registered builder images (the partner
// contract, docs/porting-guide.md): list, register, show, remove.
#include "firmware/host/board_spec.h"
#include "jobs/build_queue.h"
#include "jobs/docker/image_reference.h"
#include "server/api_error.h"
#include "server/routes.h"
#include "store/store.h"

namespace tml::server {
namespace {

constexpr int64_t kContractVersion = 1;

nlohmann::json BuiltInView(const RouteContext& c) {
  return {{"name", jobs::kBuiltInBuilder},
          {"image", nullptr},
          {"boards", firmware::ListBoards(c.options.kit_dir)},
          {"contract_version", kContractVersion},
          {"default", true},
          {"built_in", true},
          {"created_at", nullptr}};
}

void Register(RouteContext& c) {
  const auto body = nlohmann::json::parse(c.request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) throw ApiError(400, "Bad Request", "the body must be a JSON object");
  auto text = [&](const char* field) {
    if (!body.contains(field) || !body[field].is_string()) {
      throw ApiError(422, "Unprocessable Content", std::string("\"") + field + "\" is required (a string)");
    }
    return body[field].get<std::string>();
  };
  store::BuilderRecord builder;
  builder.name = text("name");
  if (builder.name == jobs::kBuiltInBuilder) {
    throw ApiError(409, "Conflict", std::string("\"") + jobs::kBuiltInBuilder + "\" is the built-in builder's name");
  }
  builder.image = text("image");
  if (jobs::ParseImageReference(builder.image).repository.empty()) {
    throw ApiError(422, "Unprocessable Content", "\"image\" is not an image reference: '" + builder.image + "'");
  }
  if (!body.contains("boards") || !body["boards"].is_array() || body["boards"].empty()) {
    throw ApiError(422, "Unprocessable Content", "\"boards\" is required: the boards the image builds for");
  }
  for (const auto& board : body["boards"]) {
    if (!board.is_string()) throw ApiError(422, "Unprocessable Content", "\"boards\" must hold board names (strings)");
    builder.boards.push_back(board.get<std::string>());
  }
  builder.contract_version = body.value("contract_version", kContractVersion);
  if (builder.contract_version != kContractVersion) {
    throw ApiError(422, "Unprocessable Content",
                   "builder contract version " + std::to_string(builder.contract_version) +
                       " is not supported (this server speaks version " + std::to_string(kContractVersion) + ")");
  }
  if (body.contains("default") && !body["default"].is_boolean()) {
    throw ApiError(422, "Unprocessable Content", "\"default\" must be true or false");
  }
  builder.is_default = body.value("default", false);
  auto added = c.store.AddBuilder(builder);
  if (!added) throw FromStore(added.error());
  c.response.set_header("Location", "/api/v1/builders/" + added->name);
  SendJson(c.response, 201, BuilderView(*added));
}

}  // namespace

nlohmann::json BuilderView(const store::BuilderRecord& b) {
  return {{"name", b.name},
          {"image", b.image},
          {"boards", b.boards},
          {"contract_version", b.contract_version},
          {"default", b.is_default},
          {"built_in", false},
          {"created_at", b.created_at}};
}

ResolvedBuilder ResolveBuilder(RouteContext& c, const std::optional<std::string>& name, const std::string& board) {
  std::optional<store::BuilderRecord> chosen;
  if (name && *name != jobs::kBuiltInBuilder) {
    auto found = c.store.GetBuilder(*name);
    if (!found) throw ApiError(422, "Unprocessable Content", "unknown builder '" + *name + "'");
    chosen = *found;
  } else if (!name) {
    chosen = c.store.DefaultBuilderFor(board);
  }
  if (!chosen) {
    if (auto spec = firmware::LoadBoard(c.options.kit_dir, board); !spec) {
      throw ApiError(422, "Unprocessable Content", spec.error().message);
    }
    return {jobs::kBuiltInBuilder, ""};
  }
  if (std::find(chosen->boards.begin(), chosen->boards.end(), board) == chosen->boards.end()) {
    std::string served;
    for (const std::string& b : chosen->boards) served += (served.empty() ? "" : ", ") + b;
    throw ApiError(422, "Unprocessable Content",
                   "builder " + chosen->name + " does not build for board '" + board + "' (it serves " + served + ")");
  }
  if (!c.queue.runs_images()) {
    throw ApiError(503, "Service Unavailable",
                   "builder " + chosen->name + " is an image and this server has no Docker daemon (serve --docker)");
  }
  return {chosen->name, chosen->image};
}

std::vector<Route> BuilderRoutes() {
  return {
      {"GET", "/api/v1/builders", Access::kRead, false,
       [](RouteContext& c) {
         nlohmann::json items = nlohmann::json::array({BuiltInView(c)});
         for (const auto& b : c.store.ListBuilders()) items.push_back(BuilderView(b));
         SendJson(c.response, 200, {{"items", items}});
       }},
      {"POST", "/api/v1/builders", Access::kWrite, false, Register},
      {"GET", R"(/api/v1/builders/([A-Za-z0-9._-]+))", Access::kRead, false,
       [](RouteContext& c) {
         const std::string name = c.request.matches[1].str();
         if (name == jobs::kBuiltInBuilder) return SendJson(c.response, 200, BuiltInView(c));
         auto b = c.store.GetBuilder(name);
         if (!b) throw FromStore(b.error());
         SendJson(c.response, 200, BuilderView(*b));
       }},
      {"DELETE", R"(/api/v1/builders/([A-Za-z0-9._-]+))", Access::kWrite, false,
       [](RouteContext& c) {
         const std::string name = c.request.matches[1].str();
         if (name == jobs::kBuiltInBuilder) throw ApiError(409, "Conflict", "the built-in builder cannot be removed");
         if (auto r = c.store.DeleteBuilder(name); !r) throw FromStore(r.error());
         c.response.status = 204;
       }},
  };
}

}  // namespace tml::server
