#include "jobs/build_queue.h"

#include <chrono>
#include <filesystem>
#include <fstream>

namespace tml::jobs {

namespace fs = std::filesystem;

BuildQueue::BuildQueue(store::Store& store, BuildRunner& local, BuildRunner* images, std::string data_dir,
                       QueueOptions options)
    : store_(store), local_(local), images_(images), data_dir_(fs::absolute(data_dir).string()), options_(options) {
  std::error_code ec;
  fs::create_directories(fs::path(data_dir_) / "logs", ec);
  fs::create_directories(fs::path(data_dir_) / "work", ec);
  for (int64_t after = 0;;) {
    const auto page = store_.ListBuilds({500, after}, store::BuildStatus::kQueued);
    for (const auto& b : page) queue_.push_back(b.id);
    if (page.size() < 500) break;
    after = page.back().id;
  }
  for (int i = 0; i < std::max(1, options_.workers); ++i) workers_.emplace_back([this] { Work(); });
}

BuildQueue::~BuildQueue() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [id, flag] : running_) flag->store(true);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

std::string BuildQueue::LogPath(int64_t build_id) const {
  return (fs::path(data_dir_) / "logs" / (std::to_string(build_id) + ".log")).string();
}

size_t BuildQueue::depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void BuildQueue::Enqueue(int64_t build_id) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(build_id);
  }
  wake_.notify_one();
}

store::StoreResult<store::BuildRecord> BuildQueue::Cancel(int64_t build_id) {
  std::lock_guard lock(mutex_);
  if (auto it = running_.find(build_id); it != running_.end()) {
    it->second->store(true);  // the worker records the cancellation when the runner returns
    return store_.GetBuild(build_id);
  }
  std::erase(queue_, build_id);
  return store_.SetBuildStatus(build_id, store::BuildStatus::kCanceled, "canceled by a user");
}

void BuildQueue::Work() {
  for (;;) {
    int64_t build_id = 0;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      build_id = queue_.front();
      queue_.pop_front();
    }
    RunOne(build_id);
  }
}

void BuildQueue::RunOne(int64_t build_id) {
  auto build = store_.SetBuildStatus(build_id, store::BuildStatus::kRunning);
  if (!build) return;  // canceled meanwhile
  const auto started = std::chrono::steady_clock::now();
  auto flag = std::make_shared<std::atomic<bool>>(false);
  {
    std::lock_guard lock(mutex_);
    running_[build_id] = flag;
  }
  BuildJob job;
  job.build_id = build_id;
  job.board = build->board;
  job.image = build->builder_image;
  job.work_dir = (fs::path(data_dir_) / "work" / std::to_string(build_id)).string();
  job.log_path = LogPath(build_id);
  job.time_limit_s = options_.time_limit_s;
  BuildResult result;
  if (auto model = store_.GetModel(build->model_id); model) {
    job.model_path = store_.blobs().PathOf(model->blob_sha256);
    job.model_name = model->name;
    if (job.image.empty()) {
      result = local_.Run(job, *flag);
    } else if (images_ != nullptr) {
      result = images_->Run(job, *flag);
    } else {
      result.reason = "builder " + build->builder + " is an image and this server has no Docker daemon (serve --docker)";
    }
    if (!result.image_digest.empty()) (void)store_.SetBuildImageDigest(build_id, result.image_digest);
  } else {
    result.reason = model.error().message;
  }
  if (result.succeeded) {
    for (const auto& [name, path] : result.artifacts) {
      std::ifstream in(path, std::ios::binary);
      auto blob = store_.blobs().Put(
          [&](uint8_t* buffer, size_t size) -> int64_t {
            in.read(reinterpret_cast<char*>(buffer), static_cast<std::streamsize>(size));
            return in.bad() ? -1 : static_cast<int64_t>(in.gcount());
          },
          options_.max_artifact_bytes);
      if (!blob || !store_.AddArtifact(build_id, name, *blob)) {
        result.succeeded = false;
        result.reason = "cannot store artifact " + name + (blob ? "" : ": " + blob.error().message);
        break;
      }
    }
  }
  {
    std::lock_guard lock(mutex_);
    running_.erase(build_id);
  }
  std::ofstream(job.log_path, std::ios::app) << (result.succeeded ? "build succeeded" : "build failed: " + result.reason)
                                              << "\n";
  const auto to = result.succeeded ? store::BuildStatus::kSucceeded
                  : flag->load()   ? store::BuildStatus::kCanceled
                                   : store::BuildStatus::kFailed;
  (void)store_.SetBuildStatus(build_id, to, result.succeeded ? "" : result.reason);
  if (options_.on_finished) {
    options_.on_finished(store::BuildStatusName(to),
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  std::error_code ec;
  fs::remove_all(job.work_dir, ec);
}

}  // namespace tml::jobs
