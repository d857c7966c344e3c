#include "jobs/builder_conformance.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/digest.h"
#include "jobs/docker/image_pull.h"

namespace tml::jobs {
namespace {

std::string Seconds(double s) {
  std::ostringstream text;
  text.precision(2);
  text << std::fixed << s << " s";
  return text.str();
}

/// A failed run, told in one line: exit code and the last stderr line.
std::string Told(const BuilderOutcome& o) {
  if (o.timed_out) return "killed at the time limit";
  std::string text = "exit code " + std::to_string(o.exit_code);
  if (o.oom_killed) text += " (out of memory)";
  if (!o.last_stderr_line.empty()) text += ", stderr: " + o.last_stderr_line;
  return text;
}

bool IsRoot(const std::string& user) {
  const std::string name = user.substr(0, user.find(':'));
  return name.empty() || name == "0" || name == "root";
}

}  // namespace

std::vector<std::string> ManifestProblems(const std::string& manifest_json, const std::string& board,
                                          const std::string& model_sha256, const std::string& firmware_bin) {
  std::vector<std::string> problems;
  const auto m = nlohmann::json::parse(manifest_json, nullptr, false);
  if (!m.is_object()) return {"manifest.json is not a JSON object"};
  auto at = [&](const std::string& pointer) -> const nlohmann::json* {
    const nlohmann::json::json_pointer p(pointer);
    return m.contains(p) ? &m.at(p) : nullptr;
  };
  auto need = [&](const std::string& pointer, bool (nlohmann::json::*is)() const noexcept, const char* type) {
    const nlohmann::json* v = at(pointer);
    if (v == nullptr) problems.push_back(pointer + " is missing");
    else if (!(v->*is)()) problems.push_back(pointer + " is not " + type);
    return v != nullptr && (v->*is)() ? v : nullptr;
  };
  need("/manifest_version", &nlohmann::json::is_number_integer, "an integer");
  need("/version", &nlohmann::json::is_string, "a string");
  if (auto* v = need("/board", &nlohmann::json::is_string, "a string"); v && *v != board) {
    problems.push_back("/board is " + v->dump() + ", the build asked for \"" + board + "\"");
  }
  if (auto* v = need("/model/sha256", &nlohmann::json::is_string, "a string"); v && *v != model_sha256) {
    problems.push_back("/model/sha256 is " + v->dump() + ", the model's is " + model_sha256);
  }
  need("/plan/sha256", &nlohmann::json::is_string, "a string");
  need("/runtime", &nlohmann::json::is_object, "an object");
  if (auto* v = need("/image/sha256", &nlohmann::json::is_string, "a string")) {
    if (const std::string actual = common::Sha256Hex(std::string_view(firmware_bin)); *v != actual) {
      problems.push_back("/image/sha256 is " + v->dump() + ", firmware.bin's is " + actual);
    }
  }
  if (auto* v = need("/image/bytes", &nlohmann::json::is_number_unsigned, "a number"); v && *v != firmware_bin.size()) {
    problems.push_back("/image/bytes is " + v->dump() + ", firmware.bin has " + std::to_string(firmware_bin.size()));
  }
  need("/sizes", &nlohmann::json::is_object, "an object");
  need("/flash_layout/model_slot/address", &nlohmann::json::is_number_unsigned, "a number");
  need("/flash_layout/model_slot/size", &nlohmann::json::is_number_unsigned, "a number");
  return problems;
}

std::vector<CheckResult> RunConformance(const DockerClient& docker, const ConformanceOptions& options,
                                        const std::function<void(const CheckResult&)>& on_check) {
  std::vector<CheckResult> results;
  auto report = [&](const std::string& name, bool passed, const std::string& detail) {
    results.push_back({name, passed, detail});
    if (on_check) on_check(results.back());
    return passed;
  };
  std::ifstream in(options.model_path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in) {
    report("model", false, "cannot read " + options.model_path);
    return results;
  }
  const std::string model = std::move(bytes).str();

  auto image = PullAndInspect(docker, options.image, [](const std::string&) {});
  if (!report("image", image.has_value(), image ? image->digest : image.error())) return results;
  report("non-root user", !IsRoot(image->user),
         image->user.empty() ? "the image sets no USER (it would run as root)" : "USER " + image->user);

  auto run = [&](const std::string& model_bytes, const std::string& board) {
    BuilderRun r;
    r.image = image->id;
    r.model_file = "model.tflite";
    r.model_bytes = model_bytes;
    r.extra = {"--board", board};
    r.labels = {{"io.tinymlaas.check", "1"}};
    r.limits = options.limits;
    return RunBuilderContainer(docker, r, [](int, std::string_view) {});
  };

  auto good = run(model, options.board);
  if (!good) {
    report("good model builds", false, good.error());
    return results;
  }
  const bool built = good->exited && good->exit_code == 0;
  report("good model builds", built,
         built ? "exit 0 in " + Seconds(good->seconds) + ", read-only root, no network" : Told(*good));
  report("time limit", !good->timed_out,
         Seconds(good->seconds) + " of " + Seconds(options.limits.time_limit_s) + " allowed");
  report("network off", built && good->network_mode == "none",
         "NetworkMode " + good->network_mode + (built ? ", built without a network" : ", the build failed"));
  const TarFile* bin = good->out.Find("firmware.bin");
  const TarFile* manifest = good->out.Find("manifest.json");
  std::string listed;
  for (const TarFile& f : good->out.files) listed += (listed.empty() ? "" : ", ") + f.name;
  report("output files", bin != nullptr && manifest != nullptr,
         "/out holds " + (listed.empty() ? std::string("nothing") : listed) +
             (good->out.Find("firmware.elf") ? "" : " (firmware.elf is optional)"));
  if (bin != nullptr && manifest != nullptr) {
    const auto problems = ManifestProblems(manifest->data, options.board, common::Sha256Hex(std::string_view(model)),
                                           bin->data);
    std::string detail;
    for (const std::string& p : problems) detail += (detail.empty() ? "" : "; ") + p;
    report("manifest fields", problems.empty(), problems.empty() ? "board, model, plan, image, sizes, flash layout" : detail);
    auto again = run(model, options.board);
    const TarFile* bin2 = again ? again->out.Find("firmware.bin") : nullptr;
    const bool same = bin2 != nullptr && bin2->data == bin->data;
    report("reproducible", same,
           same ? "two builds, same firmware.bin sha256 " + common::Sha256Hex(std::string_view(bin->data)).substr(0, 16)
                : "a second build gave " + (bin2 ? "a different firmware.bin" : std::string("no firmware.bin")));
  } else {
    report("manifest fields", false, "no manifest.json to check");
  }

  auto bad = run("this is not a TFLite model\n", options.board);
  if (!bad) {
    report("bad model refused", false, bad.error());
  } else {
    const bool refused = bad->exited && bad->exit_code != 0 && !bad->last_stderr_line.empty() &&
                         bad->out.Find("firmware.bin") == nullptr;
    report("bad model refused", refused,
           refused ? Told(*bad) : bad->exit_code == 0 ? "exit 0 on a file that is not a model" : Told(*bad) + " (wants a stderr line and no firmware.bin)");
  }
  const std::string unknown = "no-such-board-0";
  auto wrong = run(model, unknown);
  if (!wrong) {
    report("unknown board refused", false, wrong.error());
  } else {
    const bool refused = wrong->exited && wrong->exit_code != 0 &&
                         wrong->last_stderr_line.find(unknown) != std::string::npos;
    report("unknown board refused", refused,
           refused ? Told(*wrong) : Told(*wrong) + " (wants a non-zero exit and a stderr line naming '" + unknown + "')");
  }
  return results;
}

}  // namespace tml::jobs
