#include "cli/tmlc/file_io.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace tml::cli {

compiler::Result<std::vector<uint8_t>> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return compiler::Fail(path + ": cannot open: " + std::strerror(errno));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return compiler::Fail(path + ": read error");
  return bytes;
}

compiler::Result<void> WriteFile(const std::string& path, const uint8_t* data, size_t size) {
  // Write to a temporary name and rename, so a crash never leaves a half-written file.
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return compiler::Fail(path + ": cannot create: " + std::strerror(errno));
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) return compiler::Fail(path + ": write error");
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    return compiler::Fail(path + ": cannot rename into place: " + std::strerror(errno));
  }
  return {};
}

}  // namespace tml::cli

#include "runtime/plan.h"

namespace tml::cli {

compiler::Result<void> LoadPlan(const std::string& label, const std::vector<uint8_t>& bytes,
                                AlignedBuffer& buffer, Plan* plan) {
  buffer.Resize(bytes.size());
  std::memcpy(buffer.data(), bytes.data(), bytes.size());
  const Status status = Plan::Load(buffer.data(), static_cast<uint32_t>(buffer.size()), plan);
  if (status == Status::kOk) return {};
  std::string message = label + ": " + StatusMessage(status);
  if (plan->failed_op() >= 0) message += " (plan op " + std::to_string(plan->failed_op()) + ")";
  if (status == Status::kUnsupportedVersion && bytes.size() >= 6) {
    message += ": file has version " + std::to_string(bytes[4] | (bytes[5] << 8)) +
               ", this tmlc reads version " + std::to_string(kPlanFormatVersion);
  }
  return compiler::Fail(message);
}

}  // namespace tml::cli
