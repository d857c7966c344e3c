// api/openapi.yaml is the single source of the API: every route the server has is in it,
// every path in it is served, and the served /openapi.yaml is the file itself.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>

#include "server/openapi_document.h"
#include "server/server.h"

namespace tml::server {
namespace {

std::string SpecPath() { return std::string(TML_SOURCE_DIR) + "/api/openapi.yaml"; }

/// "/api/v1/builds/{id}/artifacts/{name}" -> the server's regex pattern.
std::string ToPattern(std::string path) {
  const std::pair<const char*, const char*> params[] = {
      {"{id}", R"((\d+))"}, {"{name}", "([A-Za-z0-9._-]+)"}, {"{endpoint}", "([A-Za-z0-9._-]+)"},
      {"{path}", "([0-9/]+)"}, {"{token}", "([0-9a-f]{32})"}};
  for (const auto& [from, to] : params) {
    for (size_t at; (at = path.find(from)) != std::string::npos;) path.replace(at, std::string(from).size(), to);
  }
  return path;
}

TEST(OpenApiTest, RoutesAndSpecShouldMatchBothWays) {
  const YAML::Node spec = YAML::LoadFile(SpecPath());
  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& path : spec["paths"]) {
    for (const auto& op : path.second) {
      std::string method = op.first.as<std::string>();
      if (method == "parameters") continue;
      std::transform(method.begin(), method.end(), method.begin(), ::toupper);
      documented.emplace(method, ToPattern(path.first.as<std::string>()));
    }
  }
  std::set<std::pair<std::string, std::string>> served;
  for (const auto& route : RouteList()) served.insert(route);
  for (const auto& route : served) {
    EXPECT_TRUE(documented.count(route)) << route.first << " " << route.second << " is served but not in openapi.yaml";
  }
  for (const auto& op : documented) {
    EXPECT_TRUE(served.count(op)) << op.first << " " << op.second << " is in openapi.yaml but not served";
  }
}

TEST(OpenApiTest, ServedDocumentShouldBeTheFile) {
  std::ifstream in(SpecPath());
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(std::string(OpenApiDocument()), file);
  EXPECT_EQ(YAML::Load(file)["openapi"].as<std::string>().substr(0, 3), "3.1");
}

}  // namespace
}  // namespace tml::server
