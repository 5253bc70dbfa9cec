// io/atomic_file.hpp — whole-file reads and crash-safe whole-file writes (POSIX).
// Contract: write_file_atomic leaves either the old file or the complete new one at `path`,
// never a torn mix (temp file in the same folder, fsync, rename, fsync of the folder); every
// failure is a ganlib::Error naming the path or folder and the system's reason.
#pragma once
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "../core/error.hpp"

namespace ganlib::io {

namespace detail {
inline std::string errno_text(int e) { return std::strerror(e); }

// The folder that will hold `path` ("." for a bare file name).
inline std::string parent_folder(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

// Closes a descriptor and (unless released) removes the temp file it belongs to, so that an
// error thrown half-way leaves nothing behind.
struct TempGuard {
  int fd = -1;
  std::string tmp;
  bool keep = false;
  ~TempGuard() {
    if (fd >= 0) ::close(fd);
    if (!keep && !tmp.empty()) ::unlink(tmp.c_str());
  }
};
}  // namespace detail

// Reads a whole file. Files larger than max_bytes are refused before anything is read, so a
// hostile path (e.g. /dev/zero or a huge file) cannot exhaust memory.
inline std::vector<uint8_t> read_file_bytes(const std::string& path,
                                            uint64_t max_bytes = uint64_t(1) << 34) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  GANLIB_CHECK(fd >= 0, "cannot open '", path, "': ", detail::errno_text(errno));
  detail::TempGuard guard{fd, "", true};
  struct stat st {};
  GANLIB_CHECK(::fstat(fd, &st) == 0, "cannot stat '", path, "': ", detail::errno_text(errno));
  GANLIB_CHECK(!S_ISDIR(st.st_mode), "cannot read '", path, "': it is a folder");
  GANLIB_CHECK(S_ISREG(st.st_mode), "cannot read '", path, "': not a regular file");
  GANLIB_CHECK(uint64_t(st.st_size) <= max_bytes, "cannot read '", path, "': ", st.st_size,
               " bytes is more than the limit of ", max_bytes);
  std::vector<uint8_t> buf(size_t(st.st_size));
  size_t got = 0;
  while (got < buf.size()) {
    const ssize_t r = ::read(fd, buf.data() + got, buf.size() - got);
    if (r < 0 && errno == EINTR) continue;
    GANLIB_CHECK(r >= 0, "error reading '", path, "': ", detail::errno_text(errno));
    if (r == 0) break;  // the file shrank while we read it
    got += size_t(r);
  }
  buf.resize(got);
  return buf;
}

// Creates `path` and its missing parents (an output folder). Fails with a ganlib::Error that
// names the folder and what is in the way (a file of that name, no permission), instead of the
// standard library's generic filesystem_error.
inline void make_folders(const std::string& path, const std::string& who) {
  namespace fs = std::filesystem;
  GANLIB_CHECK(!path.empty(), who, ": empty folder name");
  std::error_code ec;
  if (fs::is_directory(path, ec)) return;
  for (fs::path p = fs::path(path); !p.empty(); p = p.parent_path()) {  // the first non-folder in the way
    if (fs::exists(p, ec) && !fs::is_directory(p, ec))
      ganlib::detail::fail(who, ": cannot create folder '", path, "': '", p.string(), "' is a file, not a folder");
    if (p == p.parent_path()) break;
  }
  fs::create_directories(path, ec);
  GANLIB_CHECK(!ec, who, ": cannot create folder '", path, "' (", ec.message(), ")");
}

// Writes `size` bytes to `path` atomically: a temp file next to it (same file system, so the
// rename is atomic), fsync'd before the rename, then the folder fsync'd so the rename itself
// survives a crash. New files get mode 0644.
inline void write_file_atomic(const std::string& path, const void* data, size_t size) {
  GANLIB_CHECK(!path.empty(), "write_file_atomic: empty path");
  const std::string folder = detail::parent_folder(path);
  const std::string name = std::filesystem::path(path).filename().string();
  GANLIB_CHECK(!name.empty() && name != "." && name != "..", "write_file_atomic: '", path,
               "' names a folder, not a file");
  std::string tmpl = folder + "/." + name + ".tmp.XXXXXX";
  detail::TempGuard guard;
  guard.fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (guard.fd < 0) {
    const int e = errno;
    ganlib::detail::fail("cannot write '", path, "': folder '", folder, "' ",
                         e == ENOENT ? "does not exist" : e == ENOTDIR ? "is not a folder" : "is not writable", " (",
                         detail::errno_text(e), ")");
  }
  guard.tmp = tmpl;
  const auto* p = static_cast<const uint8_t*>(data);
  size_t done = 0;
  while (done < size) {
    const ssize_t w = ::write(guard.fd, p + done, size - done);
    if (w < 0 && errno == EINTR) continue;
    GANLIB_CHECK(w > 0, "cannot write '", path, "': writing the temp file '", tmpl,
                 "' failed (", detail::errno_text(errno), ")");
    done += size_t(w);
  }
  GANLIB_CHECK(::fchmod(guard.fd, 0644) == 0, "cannot write '", path, "': chmod of '", tmpl,
               "' failed (", detail::errno_text(errno), ")");
  GANLIB_CHECK(::fsync(guard.fd) == 0, "cannot write '", path, "': fsync of '", tmpl,
               "' failed (", detail::errno_text(errno), ")");
  const int fd = guard.fd;
  guard.fd = -1;
  GANLIB_CHECK(::close(fd) == 0, "cannot write '", path, "': closing '", tmpl, "' failed (",
               detail::errno_text(errno), ")");
  GANLIB_CHECK(::rename(tmpl.c_str(), path.c_str()) == 0, "cannot write '", path,
               "': renaming the temp file onto it failed (", detail::errno_text(errno), ")");
  guard.keep = true;
  // Make the rename durable. Some file systems refuse fsync on a folder (EINVAL): the data
  // is already safe there, so only a real I/O error is reported.
  const int dfd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    const int rc = ::fsync(dfd);
    const int e = errno;
    ::close(dfd);
    GANLIB_CHECK(rc == 0 || e == EINVAL || e == EROFS, "wrote '", path, "' but fsync of folder '",
                 folder, "' failed (", detail::errno_text(e), ")");
  }
}

inline void write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes) {
  write_file_atomic(path, bytes.data(), bytes.size());
}
inline void write_file_atomic(const std::string& path, const std::string& text) {
  write_file_atomic(path, text.data(), text.size());
}

}  // namespace ganlib::io
