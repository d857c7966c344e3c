#pragma once
// The build queue: N worker threads take queued builds from the store (which persists the
// queue across restarts), run them with a runner, store the artifacts and the outcome.
// A build whose builder names an image runs on the Docker runner; the built-in builder
// ("local") runs tmlc in a child process.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "jobs/build_runner.h"
#include "store/store.h"

namespace tml::jobs {

struct QueueOptions {
  int workers = 2;
  double time_limit_s = 600;
  uint64_t max_artifact_bytes = 64ull << 20;
  /// Called when a build ends, with its final status name and its duration in seconds.
  std::function<void(const std::string& status, double seconds)> on_finished;
};

/// The name of the built-in builder (tmlc in a child process, the kit's boards).
inline constexpr const char* kBuiltInBuilder = "local";

class BuildQueue {
 public:
  /// Starts the workers and enqueues every build the store has as queued. `images` may be
  /// null (no Docker daemon configured): builds with builder images then fail, saying so.
  BuildQueue(store::Store& store, BuildRunner& local, BuildRunner* images, std::string data_dir, QueueOptions options);
  /// Cancels running builds and joins the workers.
  ~BuildQueue();

  void Enqueue(int64_t build_id);
  /// Cancels a queued or running build.
  store::StoreResult<store::BuildRecord> Cancel(int64_t build_id);
  std::string LogPath(int64_t build_id) const;
  size_t depth() const;
  /// Whether builds with builder images can run (a Docker daemon is configured).
  bool runs_images() const { return images_ != nullptr; }

 private:
  void Work();
  void RunOne(int64_t build_id);

  store::Store& store_;
  BuildRunner& local_;
  BuildRunner* images_;
  std::string data_dir_;
  QueueOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<int64_t> queue_;
  std::map<int64_t, std::shared_ptr<std::atomic<bool>>> running_;  // build id -> cancel flag
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace tml::jobs
