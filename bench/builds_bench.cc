// Build times per model: the built-in builder (tmlc in a child process) against a builder
// image on Docker, cold (the image is pulled from the registry first) and warm (already on
// the daemon); then throughput: builds per minute with 4 builds queued at once on the
// service's build queue (2 workers, as `serve` runs by default). No anchors exist for these.
//
//   build/bench/builds --image REGISTRY/REPO:TAG [--docker unix:///...] [--json FILE] [--shared DIR]
//
// bench/builds_bench.sh starts a daemon and a registry of its own and runs this.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/digest.h"
#include "jobs/build_queue.h"
#include "jobs/docker/docker_client.h"
#include "jobs/docker_runner.h"
#include "jobs/local_runner.h"
#include "store/store.h"

namespace {

namespace fs = std::filesystem;
using tml::jobs::BuildJob;

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// One build, timed; exits the bench if it fails (a failed build has no time to report).
double TimeBuild(tml::jobs::BuildRunner& runner, BuildJob job, const std::string& work) {
  static int n = 0;
  job.work_dir = work + "/w" + std::to_string(++n);
  job.log_path = job.work_dir + ".log";
  std::atomic<bool> cancel = false;
  const double start = Now();
  const auto result = runner.Run(job, cancel);
  const double seconds = Now() - start;
  if (!result.succeeded) {
    std::fprintf(stderr, "error: %s build of %s failed: %s\n", runner.name(), job.model_name.c_str(), result.reason.c_str());
    std::exit(1);
  }
  return seconds;
}

/// Removes the image by id, with every tag that names it: the next build must pull it all.
void RemoveImage(const tml::jobs::DockerClient& docker, const std::string& image) {
  auto reply = docker.Call("GET", "/images/" + image + "/json");
  if (!reply || !reply->ok()) return;
  const std::string id = nlohmann::json::parse(reply->body).value("Id", std::string());
  auto gone = docker.Call("DELETE", "/images/" + id + "?force=1");
  if (!gone || !gone->ok()) {
    std::fprintf(stderr, "error: cannot remove %s for a cold build: %s\n", image.c_str(),
                 gone ? tml::jobs::DockerClient::ErrorOf(*gone).c_str() : gone.error().c_str());
    std::exit(1);
  }
}

/// Builds per minute: 4 builds of `model` queued at once on a fresh store.
double QueueThroughput(tml::jobs::BuildRunner& local, tml::jobs::BuildRunner* images, const std::string& image,
                       const std::string& model, const std::string& work) {
  const std::string data = work + "/q" + std::to_string(static_cast<long long>(Now() * 1000));
  auto store = tml::store::Store::Open(data);
  std::ifstream in(model, std::ios::binary);
  auto blob = (*store)->blobs().Put(
      [&](uint8_t* buffer, size_t size) -> int64_t {
        in.read(reinterpret_cast<char*>(buffer), static_cast<std::streamsize>(size));
        return static_cast<int64_t>(in.gcount());
      },
      1ull << 30);
  auto record = (*store)->AddModel("m", "1", *blob, "{}");
  std::vector<int64_t> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back((*store)->AddBuild(record->id, "netduinoplus2", image.empty() ? "local" : "image", image,
                                     "k" + std::to_string(i))->id);
  }
  const double start = Now();
  tml::jobs::QueueOptions options;
  options.workers = 2;
  tml::jobs::BuildQueue queue(**store, local, images, data, options);  // picks up the 4 queued builds
  for (;;) {
    int finished = 0;
    for (int64_t id : ids) finished += tml::store::IsFinished((*store)->GetBuild(id)->status);
    if (finished == 4) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double seconds = Now() - start;
  for (int64_t id : ids) {
    if ((*store)->GetBuild(id)->status != tml::store::BuildStatus::kSucceeded) {
      std::fprintf(stderr, "error: queued build %lld failed: %s\n", static_cast<long long>(id),
                   (*store)->GetBuild(id)->reason.c_str());
      std::exit(1);
    }
  }
  return 4 * 60.0 / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  std::string shared = TML_SHARED_DIR, json_path = "bench-builds.json", image, docker_host;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0 && i + 1 < argc) json_path = argv[++i];
    else if (std::strcmp(argv[i], "--shared") == 0 && i + 1 < argc) shared = argv[++i];
    else if (std::strcmp(argv[i], "--image") == 0 && i + 1 < argc) image = argv[++i];
    else if (std::strcmp(argv[i], "--docker") == 0 && i + 1 < argc) docker_host = argv[++i];
  }
  if (image.empty()) {
    std::fprintf(stderr, "usage: builds --image REGISTRY/REPO:TAG [--docker unix:///...] (bench/builds_bench.sh sets them up)\n");
    return 2;
  }
  if (docker_host.empty()) docker_host = tml::jobs::DockerClient::DefaultHost();
  const std::string work = fs::absolute("bench-builds-work").string();
  fs::remove_all(work);
  fs::create_directories(work);

  tml::jobs::LocalRunner local(TML_TMLC);
  tml::jobs::DockerRunnerOptions options;
  options.host = docker_host;
  options.instance = "bench-builds";
  auto docker_runner = tml::jobs::DockerRunner::Connect(options);
  if (!docker_runner) {
    std::fprintf(stderr, "error: %s\n", docker_runner.error().c_str());
    return 1;
  }
  auto docker = *tml::jobs::DockerClient::FromHost(docker_host);

  const char* models[] = {"kws_ref_model", "kws_ref_model_float32", "vww_96_int8", "pretrainedResnet_quant", "ad01_int8"};
  std::printf("Build time per model, board netduinoplus2 (median of 3; cold = 1 run after removing the image)\n");
  std::printf("%-23s %10s %12s %12s %10s\n", "model", "local (s)", "docker (s)", "cold (s)", "overhead");
  nlohmann::json rows = nlohmann::json::array();
  for (const char* model : models) {
    BuildJob job;
    job.model_path = shared + "/models/" + model + ".tflite";
    job.model_name = model;
    job.board = "netduinoplus2";
    std::vector<double> local_s, warm_s;
    for (int i = 0; i < 3; ++i) local_s.push_back(TimeBuild(local, job, work));
    RemoveImage(docker, image);
    job.image = image;
    const double cold = TimeBuild(**docker_runner, job, work);
    for (int i = 0; i < 3; ++i) warm_s.push_back(TimeBuild(**docker_runner, job, work));
    const double l = Median(local_s), w = Median(warm_s);
    std::printf("%-23s %10.2f %12.2f %12.2f %9.2fx\n", model, l, w, cold, w / l);
    rows.push_back({{"model", model}, {"local_s", l}, {"docker_warm_s", w}, {"docker_cold_s", cold}});
  }
  const std::string kws = shared + "/models/kws_ref_model.tflite";
  const double local_rate = QueueThroughput(local, nullptr, "", kws, work);
  const double docker_rate = QueueThroughput(local, docker_runner->get(), image, kws, work);
  std::printf("\nThroughput, 4 kws builds queued at once, 2 workers: local %.1f builds/min, docker %.1f builds/min\n",
              local_rate, docker_rate);
  nlohmann::json out = {{"per_model", rows},
                        {"queue_4_builds_per_min", {{"local", local_rate}, {"docker", docker_rate}}},
                        {"image", image}};
  std::ofstream(json_path) << out.dump(2) << "\n";
  std::printf("JSON: %s\n", json_path.c_str());
  fs::remove_all(work);
  return 0;
}
