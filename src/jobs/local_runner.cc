#include "jobs/local_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace tml::jobs {
namespace {

namespace fs = std::filesystem;

double Seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void AppendLine(const std::string& path, const std::string& line) {
  std::ofstream(path, std::ios::app) << line << "\n";
}

std::string LastLine(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

}  // namespace

BuildResult LocalRunner::Run(const BuildJob& job, const std::atomic<bool>& cancel) {
  BuildResult result;
  std::error_code ec;
  fs::create_directories(job.work_dir, ec);
  // The manifest names the model file: give the blob the user's name inside the work folder.
  const std::string model = (fs::path(job.work_dir) / (job.model_name + ".tflite")).string();
  fs::remove(model, ec);
  fs::create_symlink(job.model_path, model, ec);
  const std::string out_dir = (fs::path(job.work_dir) / "out").string();
  std::vector<std::string> argv = {tmlc_, "firmware", model, "--board", job.board, "-o", out_dir};
  if (job.only_model_kernels) argv.push_back("--only-model-kernels");
  std::string command;
  for (const std::string& a : argv) command += (command.empty() ? "" : " ") + a;
  AppendLine(job.log_path, "$ " + command);

  const int log_fd = open(job.log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(log_fd);
  if (pid < 0) {
    result.reason = "cannot start tmlc";
    return result;
  }
  const double deadline = Seconds() + job.time_limit_s;
  int status = 0;
  for (;;) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    const bool timed_out = Seconds() > deadline;
    if (cancel.load() || timed_out) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      result.reason = cancel.load() ? "canceled" : "the build exceeded its time limit of " +
                                                       std::to_string(static_cast<int>(job.time_limit_s)) + " s";
      AppendLine(job.log_path, "build stopped: " + result.reason);
      return result;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string last = LastLine(job.log_path);
    result.reason = "tmlc firmware failed" + (last.empty() ? std::string() : ": " + last);
    return result;
  }
  for (const char* name : {"firmware.bin", "firmware.elf", "manifest.json"}) {
    const std::string path = (fs::path(out_dir) / name).string();
    if (fs::exists(path)) result.artifacts.emplace_back(name, path);
  }
  result.succeeded = true;
  return result;
}

}  // namespace tml::jobs
