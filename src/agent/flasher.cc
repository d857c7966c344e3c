#include "agent/flasher.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

namespace tml::agent {
namespace {

namespace fs = std::filesystem;
using compiler::Fail;

compiler::Result<std::vector<char>> ReadRegion(const FlashRegion& r) {
  std::ifstream in(r.bin_path, std::ios::binary);
  if (!in) return Fail("cannot read " + r.bin_path);
  std::vector<char> bytes(r.bytes);
  in.seekg(r.offset);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (static_cast<uint32_t>(in.gcount()) != r.bytes) return Fail(r.bin_path + " is shorter than the region to flash");
  return bytes;
}

/// Writes the region into `path` at its offset; a whole image also sets the file's size.
compiler::Result<void> WriteIntoFile(const std::string& path, const FlashRegion& r) {
  auto bytes = ReadRegion(r);
  if (!bytes) return tl::unexpected(bytes.error());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT, 0644);
  if (fd < 0) return Fail("cannot open the flash " + path);
  bool ok = ::pwrite(fd, bytes->data(), bytes->size(), r.offset) == static_cast<ssize_t>(bytes->size());
  if (ok && r.whole_image) ok = ::ftruncate(fd, r.offset + r.bytes) == 0;
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) return Fail("cannot write " + std::to_string(r.bytes) + " bytes to the flash " + path);
  return {};
}

class FileFlasher : public Flasher {
 public:
  FileFlasher(std::string path, std::string kind) : path_(std::move(path)), kind_(std::move(kind)) {}
  compiler::Result<void> Write(const FlashRegion& region) override { return WriteIntoFile(path_, region); }
  std::string Describe() const override { return kind_ + " (" + path_ + ")"; }

 private:
  std::string path_, kind_;
};

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

class CommandFlasher : public Flasher {
 public:
  explicit CommandFlasher(FlasherConfig config) : config_(std::move(config)) {}
  compiler::Result<void> Write(const FlashRegion& region) override {
    auto bytes = ReadRegion(region);
    if (!bytes) return tl::unexpected(bytes.error());
    std::error_code ec;
    fs::create_directories(config_.scratch_dir, ec);
    const std::string file = (fs::path(config_.scratch_dir) / (region.whole_image ? "image.bin" : "model-slot.bin")).string();
    std::ofstream(file, std::ios::binary | std::ios::trunc).write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
    const std::string line = ExpandFlashCommand(config_.command, file, region, config_.board) + " 2>&1";
    FILE* pipe = ::popen(line.c_str(), "r");
    if (pipe == nullptr) return Fail("cannot run the flash command");
    std::string output;
    char buffer[512];
    while (size_t n = std::fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
    const int status = ::pclose(pipe);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      if (output.size() > 400) output = "..." + output.substr(output.size() - 400);
      return Fail("the flash command failed (exit " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                  "): " + output);
    }
    return {};
  }
  std::string Describe() const override { return "command (" + config_.command + ")"; }

 private:
  FlasherConfig config_;
};

}  // namespace

std::string ExpandFlashCommand(const std::string& command, const std::string& file, const FlashRegion& region,
                               const std::string& board) {
  char address[16];
  std::snprintf(address, sizeof(address), "0x%08x", region.address);
  const std::pair<std::string, std::string> fields[] = {
      {"{file}", ShellQuote(file)},          {"{address}", address},
      {"{offset}", std::to_string(region.offset)}, {"{bytes}", std::to_string(region.bytes)},
      {"{board}", ShellQuote(board)},        {"{kind}", region.whole_image ? "image" : "model"}};
  std::string out;
  for (size_t i = 0; i < command.size();) {
    bool replaced = false;
    for (const auto& [key, value] : fields) {
      if (command.compare(i, key.size(), key) == 0) {
        out += value;
        i += key.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out += command[i++];
  }
  return out;
}

compiler::Result<std::unique_ptr<Flasher>> MakeFlasher(const FlasherConfig& config) {
  if (config.kind == "qemu" || config.kind == "file") {
    if (config.flash_path.empty()) return Fail("the " + config.kind + " flasher needs a flash file (--flash-path)");
    return std::unique_ptr<Flasher>(new FileFlasher(config.flash_path, config.kind));
  }
  if (config.kind == "command") {
    if (config.command.empty()) return Fail("the command flasher needs --flash-command, e.g. \"st-flash write {file} {address}\"");
    return std::unique_ptr<Flasher>(new CommandFlasher(config));
  }
  return Fail("unknown flasher '" + config.kind + "': use qemu, file or command");
}

}  // namespace tml::agent
