#include "compiler/file_io.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

namespace tml::compiler {

Result<std::vector<uint8_t>> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(path + ": cannot open: " + std::strerror(errno));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Fail(path + ": read error");
  return bytes;
}

Result<void> WriteFile(const std::string& path, const void* data, size_t size) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return Fail(path + ": cannot create: " + std::strerror(errno));
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) return Fail(path + ": write error");
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    return Fail(path + ": cannot rename into place: " + std::strerror(errno));
  }
  return {};
}

}  // namespace tml::compiler
