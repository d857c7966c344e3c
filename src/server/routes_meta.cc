// /healthz, /api/v1/boards, /api/v1/builders.
#include "firmware/host/board_spec.h"
#include "jobs/build_queue.h"
#include "server/openapi_document.h"
#include "server/routes.h"

namespace tml::server {

std::vector<Route> MetaRoutes() {
  return {
      {"GET", "/healthz", Access::kOpen, false,
       [](RouteContext& c) { SendJson(c.response, 200, {{"status", "ok"}}); }},
      {"GET", "/metrics", Access::kOpen, false,
       [](RouteContext& c) {
         c.metrics.SetQueueDepth(static_cast<double>(c.queue.depth()));
         c.response.set_content(c.metrics.Render(), "text/plain; version=0.0.4");
       }},
      {"GET", "/openapi.yaml", Access::kOpen, false,
       [](RouteContext& c) { c.response.set_content(OpenApiDocument(), "application/yaml"); }},
      {"GET", "/docs", Access::kOpen, false,
       [](RouteContext& c) {
         // Swagger UI from the npm package, served by us (no CDN).
         c.response.set_content(R"html(<!doctype html>
<html><head><meta charset="utf-8"><title>TinyMLaaS API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>window.onload = () => { window.ui = SwaggerUIBundle({url: "/openapi.yaml", dom_id: "#ui"}); };</script>
</body></html>)html",
                                "text/html");
       }},
      {"GET", "/api/v1/boards", Access::kRead, false,
       [](RouteContext& c) {
         nlohmann::json items = nlohmann::json::array();
         for (const std::string& name : firmware::ListBoards(c.options.kit_dir)) {
           auto b = firmware::LoadBoard(c.options.kit_dir, name);
           if (!b) continue;
           items.push_back({{"name", b->name},
                            {"description", b->description},
                            {"flash_bytes", b->flash_bytes},
                            {"ram_bytes", b->ram_bytes},
                            {"model_slot", {{"address", b->slot_base}, {"size", b->slot_bytes}}},
                            {"qemu_machine", b->qemu_machine}});
         }
         SendJson(c.response, 200, {{"items", items}});
       }},
  };
}

}  // namespace tml::server
