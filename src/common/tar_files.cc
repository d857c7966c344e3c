#include "common/tar_files.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

namespace tml::common {
namespace {

struct ReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

la_ssize_t AppendToString(archive*, void* user, const void* buffer, size_t length) {
  static_cast<std::string*>(user)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

bool IsPlainName(std::string_view name) {
  if (name.empty() || name.size() > 255 || name == "." || name == "..") return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                    c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

TarResult<std::string> WriteTar(const std::vector<TarFile>& files) {
  std::string out;
  std::unique_ptr<archive, WriteDeleter> a(archive_write_new());
  archive_write_set_format_ustar(a.get());
  archive_write_set_bytes_in_last_block(a.get(), 1);
  if (archive_write_open(a.get(), &out, nullptr, AppendToString, nullptr) != ARCHIVE_OK) {
    return tl::make_unexpected(std::string("cannot write a tar archive: ") + archive_error_string(a.get()));
  }
  for (const TarFile& f : files) {
    std::unique_ptr<archive_entry, EntryDeleter> e(archive_entry_new());
    archive_entry_set_pathname(e.get(), f.name.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), f.mode);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(f.data.size()));
    archive_entry_set_uid(e.get(), 0);
    archive_entry_set_gid(e.get(), 0);
    if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK ||
        archive_write_data(a.get(), f.data.data(), f.data.size()) != static_cast<la_ssize_t>(f.data.size())) {
      return tl::make_unexpected("cannot add " + f.name + " to a tar archive: " + archive_error_string(a.get()));
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) {
    return tl::make_unexpected(std::string("cannot finish a tar archive: ") + archive_error_string(a.get()));
  }
  return out;
}

TarResult<TarContents> ReadTarFiles(std::string_view bytes, const std::string& top, const TarLimits& limits) {
  std::unique_ptr<archive, ReadDeleter> a(archive_read_new());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    return tl::make_unexpected(std::string("not a tar archive: ") + archive_error_string(a.get()));
  }
  TarContents contents;
  size_t total = 0;
  archive_entry* e = nullptr;
  for (;;) {
    const int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      return tl::make_unexpected(std::string("broken tar archive: ") + archive_error_string(a.get()));
    }
    const char* raw = archive_entry_pathname(e);
    std::string path = raw != nullptr ? raw : "";
    while (path.rfind("./", 0) == 0) path.erase(0, 2);
    if (!top.empty() && (path == top || path == top + "/")) continue;
    const bool under_top =
        top.empty() || (path.size() > top.size() + 1 && path.compare(0, top.size() + 1, top + "/") == 0);
    const std::string name = top.empty() ? path : under_top ? path.substr(top.size() + 1) : path;
    if (!under_top || archive_entry_filetype(e) != AE_IFREG || !IsPlainName(name)) {
      if (contents.skipped.size() < limits.max_files) contents.skipped.push_back(path);
      continue;
    }
    if (contents.files.size() == limits.max_files) {
      return tl::make_unexpected("the archive holds more than " + std::to_string(limits.max_files) + " files");
    }
    const la_int64_t size = archive_entry_size(e);
    if (size < 0 || static_cast<uint64_t>(size) > limits.max_total_bytes - total) {
      return tl::make_unexpected("the files in the archive exceed " + std::to_string(limits.max_total_bytes) + " bytes (at " +
                        name + ")");
    }
    TarFile file{name, std::string(static_cast<size_t>(size), '\0'), static_cast<unsigned>(archive_entry_perm(e))};
    size_t filled = 0;
    while (filled < file.data.size()) {
      const la_ssize_t n = archive_read_data(a.get(), file.data.data() + filled, file.data.size() - filled);
      if (n <= 0) return tl::make_unexpected("the archive ends inside " + name);
      filled += static_cast<size_t>(n);
    }
    total += file.data.size();
    contents.files.push_back(std::move(file));
  }
  return contents;
}

}  // namespace tml::common
