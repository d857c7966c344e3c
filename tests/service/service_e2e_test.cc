// tinymlaas serve end to end, as a user drives it: the real binary on a free loopback port,
// the real tmlc and QEMU behind it; then the bad inputs, each with its clear error.
#include <httplib.h>
#include <signal.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <thread>

#include "firmware/host/emulator.h"
#include "tests/support/model_builder.h"

namespace tml::testing {
namespace {

namespace fs = std::filesystem;

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A running `tinymlaas serve` with its own data folder.
class ServerProcess {
 public:
  explicit ServerProcess(const std::string& data, const std::vector<std::string>& extra = {}) : data_(data) {
    log_ = data + ".serve.log";
    std::vector<std::string> argv = {TML_TINYMLAAS, "serve", "--data", data, "--http", "127.0.0.1:0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    pid_ = fork();
    if (pid_ == 0) {
      freopen(log_.c_str(), "w", stdout);
      freopen(log_.c_str(), "a", stderr);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    for (int i = 0; i < 200 && url_.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
      const std::string text = ReadText(log_);
      const auto at = text.find("serving http://");
      if (at != std::string::npos) url_ = text.substr(at + 8, text.find(' ', at + 8) - at - 8);
      const auto token = text.find("admin token (shown once): ");
      if (token != std::string::npos) admin_ = text.substr(token + 26, text.find('\n', token) - token - 26);
    }
  }
  ~ServerProcess() { Stop(SIGTERM); }
  void Stop(int signal) {
    if (pid_ <= 0) return;
    kill(pid_, signal);
    int status;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  const std::string& url() const { return url_; }
  /// Peak resident memory of the server process, in KB.
  long PeakRssKb() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
  }
  const std::string& admin() const { return admin_; }
  httplib::Client Client() const {
    httplib::Client c(url_);
    c.set_read_timeout(300, 0);
    return c;
  }

 private:
  std::string data_, log_, url_, admin_;
  pid_t pid_ = -1;
};

httplib::Headers Bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

std::string Detail(const httplib::Result& r) {
  if (!r) return "no response";
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  return j.is_object() ? j.value("detail", std::string()) : r->body;
}

/// Responses recorded for validation against the spec's schemas (validate_responses.mjs).
nlohmann::json& Recorded() {
  static nlohmann::json responses = nlohmann::json::array();
  return responses;
}

/// Records a JSON response of `method` on the spec path `path` (e.g. "/api/v1/models/{id}").
void Record(const std::string& method, const std::string& path, const httplib::Result& r) {
  if (r && (r->get_header_value("Content-Type").rfind("application/json", 0) == 0 ||
            r->get_header_value("Content-Type").rfind("application/problem+json", 0) == 0)) {
    Recorded().push_back({{"method", method}, {"path", path}, {"status", r->status},
                          {"content_type", r->get_header_value("Content-Type")}, {"body", r->body}});
  }
}

std::string Fresh(const std::string& name);

/// Checks every response this test recorded against the spec's schemas, then forgets them.
void ExpectRecordedResponsesMatchSpec() {
  ASSERT_FALSE(Recorded().empty());
  const std::string file = Fresh("responses-" + std::to_string(Recorded().size())) + ".json";
  std::ofstream(file) << Recorded().dump();
  Recorded() = nlohmann::json::array();
  const std::string command = "node " + std::string(TML_SOURCE_DIR) + "/tests/service/validate_responses.mjs " +
                              std::string(TML_SOURCE_DIR) + "/api/openapi.yaml " + file + " 2>&1";
  FILE* p = popen(command.c_str(), "r");
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof(buffer), p) != nullptr) output += buffer;
  EXPECT_EQ(pclose(p), 0) << output;
  EXPECT_NE(output.find("responses matching the spec"), std::string::npos) << output;
}

std::string Fresh(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("tml-service-test-" + std::to_string(getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir.parent_path());
  return dir.string();
}

httplib::Result Upload(httplib::Client& c, const std::string& token, const std::string& name, const std::string& body) {
  auto r = c.Post("/api/v1/models?name=" + httplib::detail::encode_query_param(name), Bearer(token), body,
                  "application/octet-stream");
  Record("POST", "/api/v1/models", r);
  return r;
}

/// Polls a build until it is finished.
nlohmann::json WaitForBuild(httplib::Client& c, const std::string& token, int64_t id) {
  for (int i = 0; i < 1200; ++i) {
    auto r = c.Get("/api/v1/builds/" + std::to_string(id), Bearer(token));
    if (r && r->status == 200) {
      auto b = nlohmann::json::parse(r->body);
      const std::string s = b["status"];
      if (s == "succeeded" || s == "failed" || s == "canceled") return b;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return {};
}

TEST(ServiceTest, PushBuildDownloadEmulateAndRestartShouldWorkAsAUserExpects) {
  const std::string data = Fresh("happy");
  const std::string model = ReadText(std::string(TML_SHARED_DIR) + "/models/kws_ref_model.tflite");
  int64_t build_id = 0;
  std::string admin;
  {
    ServerProcess server(data);
    admin = server.admin();
    ASSERT_FALSE(server.url().empty()) << ReadText(data + ".serve.log");
    ASSERT_FALSE(server.admin().empty());
    auto c = server.Client();
    EXPECT_EQ(c.Get("/healthz")->status, 200);
    // Swagger UI and the spec are served by us, open, without a CDN.
    auto docs = c.Get("/docs");
    ASSERT_TRUE(docs && docs->status == 200);
    EXPECT_EQ(docs->body.find("http"), std::string::npos) << "no external URL in /docs";
    auto bundle = c.Get("/docs/assets/swagger-ui-bundle.js");
    ASSERT_TRUE(bundle);
    EXPECT_EQ(bundle->status, 200) << "run npm ci in web/ (scripts/setup.sh does)";
    EXPECT_EQ(c.Get("/openapi.yaml")->status, 200);
    auto metrics = c.Get("/metrics");
    ASSERT_TRUE(metrics && metrics->status == 200);
    EXPECT_NE(metrics->body.find("tinymlaas_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"),
              std::string::npos) << metrics->body;
    EXPECT_NE(metrics->body.find("tinymlaas_build_queue_depth"), std::string::npos);
    auto up = Upload(c, server.admin(), "kws", model);
    ASSERT_TRUE(up && up->status == 201) << Detail(up);
    const auto m = nlohmann::json::parse(up->body);
    EXPECT_EQ(m["facts"]["arena_bytes"], 12336);
    // The same file again under another name is one blob.
    auto again = Upload(c, server.admin(), "kws-copy", model);
    ASSERT_TRUE(again && again->status == 201);
    EXPECT_EQ(nlohmann::json::parse(again->body)["sha256"], m["sha256"]);

    auto b = c.Post("/api/v1/builds", Bearer(server.admin()), R"({"model": "kws", "board": "netduinoplus2"})",
                    "application/json");
    Record("POST", "/api/v1/builds", b);
    ASSERT_TRUE(b && b->status == 202) << Detail(b);
    Record("GET", "/healthz", c.Get("/healthz"));
    Record("GET", "/api/v1/boards", c.Get("/api/v1/boards", Bearer(server.admin())));
    Record("GET", "/api/v1/builders", c.Get("/api/v1/builders", Bearer(server.admin())));
    Record("GET", "/api/v1/models", c.Get("/api/v1/models", Bearer(server.admin())));
    Record("GET", "/api/v1/models/{id}", c.Get("/api/v1/models/1", Bearer(server.admin())));
    Record("GET", "/api/v1/models/{id}", c.Get("/api/v1/models/999", Bearer(server.admin())));
    build_id = nlohmann::json::parse(b->body)["id"];
    // Follow the log while it runs.
    std::string log;
    auto follow = c.Get("/api/v1/builds/" + std::to_string(build_id) + "/log?follow=1", Bearer(server.admin()),
                        [&](const char* d, size_t n) { log.append(d, n); return true; });
    ASSERT_TRUE(follow && follow->status == 200);
    EXPECT_NE(log.find("build succeeded"), std::string::npos) << log;
    EXPECT_EQ(WaitForBuild(c, server.admin(), build_id)["status"], "succeeded");
    Record("GET", "/api/v1/builds/{id}", c.Get("/api/v1/builds/" + std::to_string(build_id), Bearer(server.admin())));
    Record("GET", "/api/v1/builds", c.Get("/api/v1/builds", Bearer(server.admin())));
    Record("GET", "/api/v1/builds/{id}/artifacts",
           c.Get("/api/v1/builds/" + std::to_string(build_id) + "/artifacts", Bearer(server.admin())));

    // Download firmware.bin (and check ETag/Range), run it on QEMU, get the golden output.
    const std::string dir = data + "-fw";
    fs::create_directories(dir);
    for (const char* name : {"firmware.bin", "manifest.json"}) {
      auto a = c.Get("/api/v1/builds/" + std::to_string(build_id) + "/artifacts/" + name, Bearer(server.admin()));
      ASSERT_TRUE(a && a->status == 200);
      std::ofstream(dir + "/" + name, std::ios::binary) << a->body;
    }
    auto range = c.Get("/api/v1/builds/" + std::to_string(build_id) + "/artifacts/firmware.bin",
                       {{"Authorization", "Bearer " + server.admin()}, {"Range", "bytes=4-11"}});
    ASSERT_TRUE(range && range->status == 206);
    EXPECT_EQ(range->body, ReadText(dir + "/firmware.bin").substr(4, 8));
    auto emulator = firmware::Emulator::Start(dir);
    ASSERT_TRUE(emulator.has_value()) << emulator.error().message;
    const std::string input = ReadText(std::string(TML_SHARED_DIR) + "/golden/kws_ref_model/input_4.bin");
    auto result = (*emulator)->Infer(std::vector<uint8_t>(input.begin(), input.end()));
    ASSERT_TRUE(result.has_value()) << result.error().message;
    const std::string golden = ReadText(std::string(TML_SHARED_DIR) + "/golden/kws_ref_model/output_4.bin");
    EXPECT_EQ(std::string(result->outputs.begin(), result->outputs.end()), golden);

    // An identical request reuses the build.
    auto same = c.Post("/api/v1/builds", Bearer(server.admin()), R"({"model": "kws", "board": "netduinoplus2"})",
                       "application/json");
    Record("POST", "/api/v1/builds", same);
    ASSERT_TRUE(same && same->status == 200);
    EXPECT_TRUE(nlohmann::json::parse(same->body)["reused"].get<bool>());
  }
  // Restart: everything is still there.
  ServerProcess server(data);
  ASSERT_FALSE(server.url().empty());
  EXPECT_TRUE(server.admin().empty()) << "the admin token is created on the first start only";
  auto c = server.Client();
  auto models = c.Get("/api/v1/models", Bearer(admin));
  ASSERT_TRUE(models && models->status == 200) << Detail(models);
  EXPECT_EQ(nlohmann::json::parse(models->body)["items"].size(), 2u);
  auto build = c.Get("/api/v1/builds/" + std::to_string(build_id), Bearer(admin));
  ASSERT_TRUE(build && build->status == 200);
  EXPECT_EQ(nlohmann::json::parse(build->body)["status"], "succeeded");
  auto artifact = c.Get("/api/v1/builds/" + std::to_string(build_id) + "/artifacts/firmware.bin", Bearer(admin));
  ASSERT_TRUE(artifact && artifact->status == 200);
  EXPECT_EQ(artifact->body, ReadText(data + "-fw/firmware.bin"));
  ExpectRecordedResponsesMatchSpec();
}

TEST(ServiceTest, BadRequestsShouldGetClearErrorsAndLoseNothing) {
  const std::string data = Fresh("bad");
  ServerProcess server(data, {"--max-model-bytes", "100000"});
  ASSERT_FALSE(server.url().empty());
  auto c = server.Client();
  const std::string admin = server.admin();
  const std::string model = ReadText(std::string(TML_SHARED_DIR) + "/models/kws_ref_model.tflite");

  auto none = c.Get("/api/v1/models");
  Record("GET", "/api/v1/models", none);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(none->get_header_value("Content-Type"), "application/problem+json");
  EXPECT_EQ(c.Get("/api/v1/models", Bearer("tml_wrong"))->status, 401);

  // A read-only token may read, not write.
  std::string reader;
  {
    // Tokens are created on the server host with the CLI.
    const std::string command = std::string(TML_TINYMLAAS) + " token create --data " + data + " --name reader --read-only";
    FILE* p = popen(command.c_str(), "r");
    char buffer[128] = {};
    ASSERT_NE(fgets(buffer, sizeof(buffer), p), nullptr);
    pclose(p);
    reader = std::string(buffer);
    reader.erase(reader.find_last_not_of("\n") + 1);
  }
  EXPECT_EQ(c.Get("/api/v1/models", Bearer(reader))->status, 200);
  auto forbidden = Upload(c, reader, "kws", model);
  ASSERT_TRUE(forbidden);
  EXPECT_EQ(forbidden->status, 403);
  EXPECT_NE(Detail(forbidden).find("read-only"), std::string::npos);

  auto truncated = Upload(c, admin, "half", model.substr(0, 5000));
  ASSERT_TRUE(truncated);
  EXPECT_EQ(truncated->status, 422);
  EXPECT_NE(Detail(truncated).find("not a valid TFLite model"), std::string::npos) << Detail(truncated);
  EXPECT_EQ(Upload(c, admin, "text", "hello, this is not a model")->status, 422);
  auto large = Upload(c, admin, "big", std::string(300000, 'x'));
  ASSERT_TRUE(large);
  EXPECT_EQ(large->status, 413);
  for (const std::string name : {"../etc", "a%01b"}) {
    auto r = c.Post("/api/v1/models?name=" + name, Bearer(admin), model, "application/octet-stream");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 422) << name;
  }
  // Nothing was stored by the refused uploads.
  EXPECT_EQ(nlohmann::json::parse(c.Get("/api/v1/models", Bearer(admin))->body)["items"].size(), 0u);
  size_t blobs = 0;
  for (const auto& e : fs::recursive_directory_iterator(data + "/blobs")) blobs += e.is_regular_file();
  EXPECT_EQ(blobs, 0u);

  ASSERT_EQ(Upload(c, admin, "ad01", ReadText(std::string(TML_SHARED_DIR) + "/models/ad01_int8.tflite"))->status, 413)
      << "ad01 is 277 KB, over this server's 100 KB limit";
  ASSERT_EQ(Upload(c, admin, "kws", model)->status, 201);
  auto board = c.Post("/api/v1/builds", Bearer(admin), R"({"model": "kws", "board": "esp32"})", "application/json");
  Record("POST", "/api/v1/builds", board);
  ASSERT_TRUE(board);
  EXPECT_EQ(board->status, 422);
  EXPECT_NE(Detail(board).find("unknown board 'esp32'"), std::string::npos) << Detail(board);

  // A model with an unsupported op uploads, and its build fails with the reason in the log.
  const auto lstm = [] {
    ModelBuilder m;
    const int32_t x = m.AddTensor("x", tflite::TensorType_FLOAT32, {4});
    const int32_t y = m.AddTensor("y", tflite::TensorType_FLOAT32, {4});
    m.AddOp(16, {x}, {y});
    return m.Build({x}, {y});
  }();
  auto up = Upload(c, admin, "lstm", std::string(lstm.begin(), lstm.end()));
  ASSERT_TRUE(up && up->status == 201) << Detail(up);
  auto b = c.Post("/api/v1/builds", Bearer(admin), R"({"model": "lstm", "board": "mps2-an386"})", "application/json");
  ASSERT_TRUE(b && b->status == 202);
  const int64_t id = nlohmann::json::parse(b->body)["id"];
  const auto done = WaitForBuild(c, admin, id);
  EXPECT_EQ(done["status"], "failed");
  const std::string log = c.Get("/api/v1/builds/" + std::to_string(id) + "/log", Bearer(admin))->body;
  EXPECT_NE(log.find("unsupported operator LSTM"), std::string::npos) << log;
  ExpectRecordedResponsesMatchSpec();
}

TEST(ServiceTest, HugeUploadShouldBeRefusedWithoutBeingHeldInMemory) {
  const std::string data = Fresh("huge");
  ServerProcess server(data);  // default limit: 50 MB
  ASSERT_FALSE(server.url().empty());
  auto c = server.Client();
  // A raw socket: send the 200 MB body until the server answers or closes (bounded in time).
  const auto colon = server.url().rfind(':');
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(std::stoi(server.url().substr(colon + 1))));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const size_t total = 200u << 20;
  const std::string head = "POST /api/v1/models?name=huge HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " +
                           server.admin() + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                           std::to_string(total) + "\r\n\r\n";
  ASSERT_EQ(send(fd, head.data(), head.size(), MSG_NOSIGNAL), static_cast<ssize_t>(head.size()));
  const std::string chunk(1 << 16, '\0');
  std::string reply;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (size_t sent = 0; std::chrono::steady_clock::now() < deadline;) {
    pollfd p{fd, static_cast<short>(POLLIN | (sent < total ? POLLOUT : 0)), 0};
    if (poll(&p, 1, 100) <= 0) continue;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      char buffer[4096];
      const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      reply.append(buffer, static_cast<size_t>(n));
      if (reply.find("\r\n\r\n") != std::string::npos && reply.find("}") != std::string::npos) break;
      continue;
    }
    const ssize_t n = send(fd, chunk.data(), std::min(chunk.size(), total - sent), MSG_NOSIGNAL);
    if (n <= 0) continue;  // the server stopped reading; its answer follows
    sent += static_cast<size_t>(n);
  }
  close(fd);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply;
  EXPECT_NE(reply.find("exceeds the limit"), std::string::npos) << reply;
  EXPECT_LT(server.PeakRssKb(), 100 * 1024) << "the upload was held in memory";
  EXPECT_EQ(c.Get("/healthz")->status, 200);
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(data + "/blobs")) files += e.is_regular_file();
  EXPECT_EQ(files, 0u) << "a refused upload left a file";
}

TEST(ServiceTest, CanceledBuildShouldEndCanceledAndStayThatWay) {
  const std::string data = Fresh("cancel");
  ServerProcess server(data, {"--workers", "1"});
  auto c = server.Client();
  const std::string admin = server.admin();
  ASSERT_EQ(Upload(c, admin, "vww", ReadText(std::string(TML_SHARED_DIR) + "/models/vww_96_int8.tflite"))->status, 201);
  std::vector<int64_t> ids;
  for (const char* board : {"mps2-an386", "netduinoplus2"}) {
    auto b = c.Post("/api/v1/builds", Bearer(admin), std::string(R"({"model": "vww", "board": ")") + board + "\"}",
                    "application/json");
    ASSERT_TRUE(b && b->status == 202) << Detail(b);
    ids.push_back(nlohmann::json::parse(b->body)["id"]);
  }
  for (int64_t id : ids) {
    auto r = c.Post("/api/v1/builds/" + std::to_string(id) + "/cancel", Bearer(admin), "", "application/json");
    ASSERT_TRUE(r && r->status == 202) << Detail(r);
  }
  for (int64_t id : ids) {
    const auto done = WaitForBuild(c, admin, id);
    // A build may finish before the cancel reaches it; otherwise it must end canceled.
    EXPECT_TRUE(done["status"] == "canceled" || done["status"] == "succeeded") << done.dump();
  }
  // A finished build cannot be canceled again.
  auto again = c.Post("/api/v1/builds/" + std::to_string(ids[1]) + "/cancel", Bearer(admin), "", "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409) << again->body;
}

TEST(ServiceTest, KillingTheServerMidBuildShouldLeaveTheBuildFailedWithItsReason) {
  const std::string data = Fresh("kill");
  const std::string model = ReadText(std::string(TML_SHARED_DIR) + "/models/vww_96_int8.tflite");
  std::string admin;
  int64_t id = 0;
  {
    ServerProcess server(data);
    admin = server.admin();
    auto c = server.Client();
    ASSERT_EQ(Upload(c, admin, "vww", model)->status, 201);
    auto b = c.Post("/api/v1/builds", Bearer(admin), R"({"model": "vww", "board": "mps2-an386"})", "application/json");
    ASSERT_TRUE(b && b->status == 202);
    id = nlohmann::json::parse(b->body)["id"];
    for (int i = 0; i < 100; ++i) {  // until it runs
      auto r = c.Get("/api/v1/builds/" + std::to_string(id), Bearer(admin));
      if (nlohmann::json::parse(r->body)["status"] == "running") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    server.Stop(SIGKILL);
  }
  ServerProcess server(data);
  auto c = server.Client();
  auto r = c.Get("/api/v1/builds/" + std::to_string(id), Bearer(admin));
  ASSERT_TRUE(r && r->status == 200);
  const auto b = nlohmann::json::parse(r->body);
  if (b["status"] != "succeeded") {  // a fast machine may have finished before the kill
    EXPECT_EQ(b["status"], "failed");
    EXPECT_NE(b["reason"].get<std::string>().find("server stopped"), std::string::npos);
  }
  EXPECT_EQ(nlohmann::json::parse(c.Get("/api/v1/models", Bearer(admin))->body)["items"].size(), 1u);
}

}  // namespace
}  // namespace tml::testing
