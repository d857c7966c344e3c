#include "firmware/host/emulator.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/digest.h"
#include "firmware/host/firmware_builder.h"
#include "firmware/uart_protocol.h"

extern char** environ;

namespace tml::firmware {
namespace {

using compiler::Fail;
using compiler::Result;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

Result<std::unique_ptr<Emulator>> Emulator::Start(const std::string& dir, const EmulatorOptions& options) {
  auto manifest = ReadManifest(dir);
  if (!manifest) return tl::unexpected(manifest.error());
  const nlohmann::json& m = *manifest;
  const std::string bin = std::filesystem::absolute(dir + "/firmware.bin").string();
  if (!std::filesystem::exists(bin)) return Fail(bin + ": missing");

  std::unique_ptr<Emulator> e(new Emulator());
  e->options_ = options;
  char pattern[] = "/tmp/tmlc-emulate-XXXXXX";
  e->work_dir_ = mkdtemp(pattern);
  const std::string socket_path = e->work_dir_ + "/uart.sock";
  const std::string log_path = e->work_dir_ + "/qemu.log";
  char address[32];
  std::snprintf(address, sizeof(address), "0x%x", m["flash_layout"]["image_base"].get<uint32_t>());
  const std::vector<std::string> argv = {
      m["qemu"]["binary"].get<std::string>(),
      "-M", m["qemu"]["machine"].get<std::string>(),
      "-display", "none", "-monitor", "none", "-nodefaults",
      "-chardev", "socket,id=uart0,path=" + socket_path + ",server=on,wait=on",
      "-serial", "chardev:uart0",
      "-icount", "shift=0",
      "-semihosting-config", "enable=on,target=native",
      "-device", "loader,file=" + bin + ",addr=" + address + ",force-raw=on",
  };
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int rc = posix_spawnp(&e->pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    e->pid_ = -1;
    return Fail("cannot start " + argv[0] + ": " + std::strerror(rc) + " (install qemu-system-arm)");
  }
  // QEMU creates the socket and waits for us before it runs the guest.
  const double deadline = Now() + options.boot_timeout_s;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::strncpy(sa.sun_path, socket_path.c_str(), sizeof(sa.sun_path) - 1);
  for (;;) {
    e->socket_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connect(e->socket_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0) break;
    close(e->socket_);
    e->socket_ = -1;
    if (int status; waitpid(e->pid_, &status, WNOHANG) == e->pid_) {
      e->pid_ = -1;
      return Fail("QEMU exited before the UART connected: " + ReadText(log_path));
    }
    if (Now() > deadline) return Fail("QEMU did not open its UART socket within the boot timeout");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // The firmware announces itself once its UART is ready (docs/formats/uart.md).
  auto banner = e->ReadFrame(std::max(0.0, deadline - Now()));
  if (!banner) return Fail("the firmware did not announce itself: " + banner.error().message);
  if (banner->first != static_cast<uint8_t>(uart::FrameType::kHelloReply)) {
    return Fail("the firmware's first frame is not a HELLO reply");
  }
  return e;
}

Emulator::~Emulator() {
  if (socket_ >= 0) close(socket_);
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int status;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  std::error_code ec;
  if (!work_dir_.empty()) std::filesystem::remove_all(work_dir_, ec);
}

std::string Emulator::ExitReason() {
  int status = 0;
  if (pid_ <= 0 || waitpid(pid_, &status, WNOHANG) != pid_) return {};
  pid_ = -1;
  std::string log = ReadText(work_dir_ + "/qemu.log");
  std::string reason = "the firmware stopped: QEMU exited";
  if (WIFEXITED(status)) {
    const int code = WEXITSTATUS(status);
    reason += " with status " + std::to_string(code);
    if (code == (0xFA17 & 0xFF)) reason += " (HardFault)";
  } else if (WIFSIGNALED(status)) {
    reason += " on signal " + std::to_string(WTERMSIG(status));
  }
  return log.empty() ? reason : reason + ": " + log;
}

Result<void> Emulator::ReadExact(uint8_t* data, size_t size, double deadline) {
  size_t got = 0;
  while (got < size) {
    const double left = deadline - Now();
    if (left <= 0) return Fail("no answer from the firmware within the time limit (it may hang)");
    pollfd p{socket_, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(std::min(left, 0.2) * 1000) + 1);
    if (ready < 0 && errno != EINTR) return Fail(std::string("poll: ") + std::strerror(errno));
    if (ready <= 0) {
      if (std::string reason = ExitReason(); !reason.empty()) return Fail(reason);
      continue;
    }
    const ssize_t n = read(socket_, data + got, size - got);
    if (n == 0) {
      // QEMU closes the socket as it exits; give it a moment so the reason can be reported.
      std::string reason;
      for (int i = 0; i < 100 && (reason = ExitReason()).empty() && pid_ > 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      return Fail(reason.empty() ? "the UART connection closed" : reason);
    }
    if (n < 0 && errno != EINTR && errno != EAGAIN) return Fail(std::string("read: ") + std::strerror(errno));
    if (n > 0) got += static_cast<size_t>(n);
  }
  return {};
}

Result<void> Emulator::SendRaw(const std::vector<uint8_t>& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(socket_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string reason = ExitReason();
      return Fail(reason.empty() ? std::string("send: ") + std::strerror(errno) : reason);
    }
    sent += static_cast<size_t>(n);
  }
  return {};
}

Result<void> Emulator::SendFrame(uint8_t type, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> frame(uart::kHeaderBytes);
  uart::EncodeHeader(static_cast<uart::FrameType>(type), static_cast<uint32_t>(payload.size()), frame.data());
  frame.insert(frame.end(), payload.begin(), payload.end());
  uint8_t crc[4];
  uart::WriteLe32(uart::Crc32Update(0, frame.data() + 2, static_cast<uint32_t>(frame.size() - 2)), crc);
  frame.insert(frame.end(), crc, crc + 4);
  return SendRaw(frame);
}

Result<std::pair<uint8_t, std::vector<uint8_t>>> Emulator::ReadFrame(double timeout_s) {
  const double deadline = Now() + timeout_s;
  uart::FrameDecoder decoder;
  std::vector<uint8_t> payload;
  for (;;) {
    uint8_t byte;
    if (auto r = ReadExact(&byte, 1, deadline); !r) return tl::unexpected(r.error());
    switch (decoder.Push(byte)) {
      case uart::FrameDecoder::Event::kHeader:
        payload.clear();
        payload.reserve(decoder.length());
        break;
      case uart::FrameDecoder::Event::kPayloadByte:
        payload.push_back(byte);
        break;
      case uart::FrameDecoder::Event::kFrame:
        return std::pair{static_cast<uint8_t>(decoder.type()), std::move(payload)};
      case uart::FrameDecoder::Event::kBadCrc:
        return Fail("the firmware sent a frame with a bad CRC");
      case uart::FrameDecoder::Event::kTooLong:
        return Fail("the firmware announced a frame of " + std::to_string(decoder.length()) + " bytes");
      case uart::FrameDecoder::Event::kNone:
        break;
    }
  }
}

namespace {

/// A device ERROR frame as a message.
std::string DeviceError(const std::vector<uint8_t>& payload) {
  if (payload.empty()) return "the firmware reported an error";
  std::string text(payload.begin() + 1, payload.end());
  if (!text.empty() && text.back() == '\0') text.pop_back();
  return "the firmware reported error " + std::to_string(payload[0]) + ": " + text;
}

}  // namespace

Result<HelloInfo> Emulator::Hello() {
  if (auto r = SendFrame(static_cast<uint8_t>(uart::FrameType::kHello), {}); !r) return tl::unexpected(r.error());
  auto frame = ReadFrame(options_.boot_timeout_s);
  if (!frame) return tl::unexpected(frame.error());
  if (frame->first == static_cast<uint8_t>(uart::FrameType::kError)) return Fail(DeviceError(frame->second));
  if (frame->first != static_cast<uint8_t>(uart::FrameType::kHelloReply) || frame->second.size() < sizeof(uart::HelloReply)) {
    return Fail("unexpected reply to HELLO");
  }
  uart::HelloReply r;
  std::memcpy(&r, frame->second.data(), sizeof(r));
  HelloInfo info;
  info.protocol_version = r.protocol_version;
  info.opset_version = r.opset_version;
  info.model_status = r.model_status;
  info.model_bytes = r.model_bytes;
  info.arena_bytes = r.arena_bytes;
  info.arena_capacity = r.arena_capacity;
  info.model_sha256 = common::ToHex(r.model_sha256, 32);
  const char* strings = reinterpret_cast<const char*>(frame->second.data() + sizeof(r));
  const size_t strings_bytes = frame->second.size() - sizeof(r);
  info.firmware_version = std::string(strings, strnlen(strings, strings_bytes));
  const size_t second = info.firmware_version.size() + 1;
  if (second < strings_bytes) info.board = std::string(strings + second, strnlen(strings + second, strings_bytes - second));
  info.instructions_per_tick =
      r.calibration_ticks > 0 ? static_cast<double>(r.calibration_instructions) / r.calibration_ticks : 0.0;
  instructions_per_tick_ = info.instructions_per_tick;
  return info;
}

Result<InferResult> Emulator::Infer(const std::vector<uint8_t>& inputs) {
  if (auto r = SendFrame(static_cast<uint8_t>(uart::FrameType::kInfer), inputs); !r) return tl::unexpected(r.error());
  auto frame = ReadFrame(options_.reply_timeout_s);
  if (!frame) return tl::unexpected(frame.error());
  if (frame->first == static_cast<uint8_t>(uart::FrameType::kError)) return Fail(DeviceError(frame->second));
  if (frame->first != static_cast<uint8_t>(uart::FrameType::kResult) || frame->second.size() < sizeof(uart::ResultHeader)) {
    return Fail("unexpected reply to INFER");
  }
  uart::ResultHeader h;
  std::memcpy(&h, frame->second.data(), sizeof(h));
  InferResult result;
  result.ticks = uint64_t{h.ticks_hi} << 32 | h.ticks_lo;
  result.instructions = static_cast<uint64_t>(static_cast<double>(result.ticks) * instructions_per_tick_ + 0.5);
  result.outputs.assign(frame->second.begin() + sizeof(h), frame->second.end());
  return result;
}

}  // namespace tml::firmware
