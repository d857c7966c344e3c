#include "jobs/docker_runner.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/digest.h"
#include "jobs/builder_conformance.h"
#include "jobs/docker/image_pull.h"

namespace tml::jobs {
namespace {

namespace fs = std::filesystem;
constexpr const char* kOwnerLabel = "io.tinymlaas.runner";

class BuildLog {
 public:
  explicit BuildLog(const std::string& path) : out_(path, std::ios::app | std::ios::binary) {}
  void Line(const std::string& line) { Write(line + "\n"); }
  void Write(std::string_view data) {
    std::lock_guard lock(mutex_);
    out_.write(data.data(), static_cast<std::streamsize>(data.size()));
    out_.flush();
  }

 private:
  std::mutex mutex_;
  std::ofstream out_;
};

/// Why an exited builder's /out is not a build: missing outputs or a manifest that does not
/// describe them. Empty when it is.
std::string CheckOutputs(const TarContents& out, const std::string& board, const std::string& model_sha256) {
  const TarFile* bin = out.Find("firmware.bin");
  const TarFile* manifest = out.Find("manifest.json");
  if (manifest == nullptr) return "the builder wrote no manifest.json to /out";
  if (bin == nullptr) return "the builder wrote no firmware.bin to /out";
  std::string why;
  for (const std::string& p : ManifestProblems(manifest->data, board, model_sha256, bin->data)) {
    why += (why.empty() ? "the builder's manifest.json: " : "; ") + p;
  }
  return why;
}

}  // namespace

DockerResult<std::unique_ptr<DockerRunner>> DockerRunner::Connect(const DockerRunnerOptions& options) {
  auto docker = DockerClient::FromHost(options.host);
  if (!docker) return DockerFail(docker.error());
  auto ping = docker->Call("GET", "/_ping", {}, "", 10);
  if (!ping) return DockerFail(ping.error());
  if (!ping->ok()) return DockerFail("the Docker daemon at " + options.host + " answers " + DockerClient::ErrorOf(*ping));
  std::unique_ptr<DockerRunner> runner(new DockerRunner(*docker, options));
  runner->RemoveLeftovers();
  return runner;
}

void DockerRunner::RemoveLeftovers() {
  std::vector<std::string> keep;
  {
    std::lock_guard lock(mutex_);
    keep.assign(active_.begin(), active_.end());
  }
  (void)RemoveLabeledContainers(docker_, kOwnerLabel, options_.instance, keep);
}

BuildResult DockerRunner::Run(const BuildJob& job, const std::atomic<bool>& cancel) {
  BuildResult result;
  BuildLog log(job.log_path);
  auto fail = [&](const std::string& reason) {
    result.reason = reason;
    log.Line("error: " + reason);
    return result;
  };
  log.Line("builder image " + job.image + " on the Docker daemon at " + docker_.describe());
  auto image = PullAndInspect(docker_, job.image, [&](const std::string& line) { log.Line(line); });
  if (!image) return fail(image.error());
  result.image_digest = image->digest;
  log.Line("running " + image->digest + " (" + image->id.substr(0, 19) + ")");
  RemoveLeftovers();

  std::ifstream in(job.model_path, std::ios::binary);
  std::ostringstream model;
  model << in.rdbuf();
  if (!in) return fail("cannot read the model file " + job.model_path);

  BuilderRun run;
  run.image = image->id;
  run.model_file = job.model_name + ".tflite";
  run.model_bytes = std::move(model).str();
  run.extra = {"--board", job.board};
  if (job.only_model_kernels) run.extra.push_back("--only-model-kernels");
  run.labels = {{kOwnerLabel, options_.instance}, {"io.tinymlaas.build", std::to_string(job.build_id)}};
  run.limits = options_.limits;
  run.limits.time_limit_s = job.time_limit_s;
  std::string cmd = "$ docker run --network none " + job.image + " /in/" + run.model_file;
  for (const std::string& a : run.extra) cmd += " " + a;
  log.Line(cmd);

  std::string container;
  auto outcome = RunBuilderContainer(
      docker_, run, [&](int, std::string_view data) { log.Write(data); }, &cancel,
      [&](const std::string& id) {
        std::lock_guard lock(mutex_);
        if (!id.empty()) {
          container = id;
          active_.insert(id);
        } else {
          active_.erase(container);
        }
      });
  if (!outcome) return fail(outcome.error());
  if (outcome->canceled) return fail("canceled");
  if (outcome->timed_out) {
    return fail("the builder exceeded its time limit of " + std::to_string(static_cast<int>(job.time_limit_s)) + " s");
  }
  if (outcome->oom_killed) {
    return fail("the builder ran out of memory (limit " + std::to_string(options_.limits.memory_bytes >> 20) + " MiB)");
  }
  if (outcome->exit_code != 0) {
    return fail("the builder exited with code " + std::to_string(outcome->exit_code) +
                (outcome->last_stderr_line.empty() ? "" : ": " + outcome->last_stderr_line));
  }
  for (const std::string& skipped : outcome->out.skipped) log.Line("ignored /out entry " + skipped + " (not a plain file)");
  if (const std::string why = CheckOutputs(outcome->out, job.board, common::Sha256Hex(std::string_view(run.model_bytes))); !why.empty()) return fail(why);

  const fs::path out_dir = fs::path(job.work_dir) / "out";
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  for (const TarFile& f : outcome->out.files) {
    const std::string path = (out_dir / f.name).string();
    std::ofstream(path, std::ios::binary).write(f.data.data(), static_cast<std::streamsize>(f.data.size()));
    result.artifacts.emplace_back(f.name, path);
  }
  log.Line("builder finished in " + std::to_string(outcome->seconds).substr(0, 5) + " s");
  result.succeeded = true;
  return result;
}

}  // namespace tml::jobs
