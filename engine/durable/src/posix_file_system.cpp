// posix_file_system(): the FileSystem of file_system.hpp on POSIX calls. Every call retries on
// EINTR; every failure throws IoError with the call's errno.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <orchestrix/durable/file_system.hpp>
#include <orchestrix/errors.hpp>
#include <utility>

namespace orchestrix::durable {
namespace {

class Descriptor {
 public:
  Descriptor(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const noexcept { return fd_; }
  const std::string& path() const noexcept { return path_; }

 private:
  int fd_;
  std::string path_;
};

class PosixFile final : public File {
 public:
  PosixFile(int fd, std::string path) : fd_(fd, std::move(path)) {}

  std::size_t write_some(std::uint64_t offset, std::span<const std::byte> data) override {
    for (;;) {
      const ssize_t n = ::pwrite(fd_.fd(), data.data(), data.size(), static_cast<off_t>(offset));
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) throw IoError("write", fd_.path(), errno);
    }
  }

  std::size_t read_some(std::uint64_t offset, std::span<std::byte> out) override {
    for (;;) {
      const ssize_t n = ::pread(fd_.fd(), out.data(), out.size(), static_cast<off_t>(offset));
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) throw IoError("read", fd_.path(), errno);
    }
  }

  void will_read(std::uint64_t offset, std::uint64_t length) noexcept override {
    (void)::posix_fadvise(fd_.fd(), static_cast<off_t>(offset), static_cast<off_t>(length),
                          POSIX_FADV_WILLNEED);
  }

  void sync() override {
    while (::fdatasync(fd_.fd()) != 0) {
      if (errno != EINTR) throw IoError("fdatasync", fd_.path(), errno);
    }
  }

  void truncate(std::uint64_t size) override {
    while (::ftruncate(fd_.fd(), static_cast<off_t>(size)) != 0) {
      if (errno != EINTR) throw IoError("ftruncate", fd_.path(), errno);
    }
  }

  std::uint64_t size() override {
    struct stat st {};
    if (::fstat(fd_.fd(), &st) != 0) throw IoError("fstat", fd_.path(), errno);
    return static_cast<std::uint64_t>(st.st_size);
  }

  const std::string& path() const noexcept override { return fd_.path(); }

 private:
  Descriptor fd_;
};

// An open file description with an OFD write lock: conflicts with any other open of the file,
// in this process too, and goes away with the descriptor (also when the process dies).
class PosixFileLock final : public FileLock {
 public:
  PosixFileLock(int fd, std::string path) : fd_(fd, std::move(path)) {}

 private:
  Descriptor fd_;
};

int open_flags(OpenMode mode) {
  switch (mode) {
    case OpenMode::kRead:
      return O_RDONLY;
    case OpenMode::kReadWrite:
      return O_RDWR;
    case OpenMode::kCreate:
      return O_RDWR | O_CREAT;
    case OpenMode::kTruncate:
      return O_RDWR | O_CREAT | O_TRUNC;
  }
  return O_RDONLY;
}

int open_retrying(const std::string& path, int flags) {
  for (;;) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
    if (fd >= 0) return fd;
    if (errno != EINTR) throw IoError("open", path, errno);
  }
}

class PosixFileSystem final : public FileSystem {
 public:
  std::unique_ptr<File> open(const std::string& path, OpenMode mode) override {
    const int fd = open_retrying(path, open_flags(mode));
    // Files opened only to read are read front to back (logs at recovery, segment files): a
    // larger kernel read-ahead window. A hint; its failure changes nothing.
    if (mode == OpenMode::kRead) (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return std::make_unique<PosixFile>(fd, path);
  }

  void rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0)
      throw IoError("rename to '" + to + "' of", from, errno);
  }

  void sync_directory(const std::string& directory) override {
    const Descriptor dir(open_retrying(directory, O_RDONLY | O_DIRECTORY), directory);
    while (::fsync(dir.fd()) != 0) {
      if (errno != EINTR) throw IoError("fsync of directory", directory, errno);
    }
  }

  void remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) throw IoError("unlink", path, errno);
  }

  std::vector<std::string> list_directory(const std::string& directory) override {
    DIR* dir = ::opendir(directory.c_str());
    if (dir == nullptr) throw IoError("opendir", directory, errno);
    std::vector<std::string> names;
    errno = 0;
    while (const dirent* entry = ::readdir(dir)) {
      const std::string name(entry->d_name);
      if (name != "." && name != "..") names.push_back(name);
    }
    const int error = errno;
    ::closedir(dir);
    if (error != 0) throw IoError("readdir", directory, error);
    std::sort(names.begin(), names.end());
    return names;
  }

  std::uint64_t file_size(const std::string& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw IoError("stat", path, errno);
    return static_cast<std::uint64_t>(st.st_size);
  }

  bool exists(const std::string& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) return true;
    if (errno == ENOENT) return false;
    throw IoError("stat", path, errno);
  }

  void create_directory(const std::string& path) override {
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) throw IoError("mkdir", path, errno);
  }

  std::unique_ptr<FileLock> lock(const std::string& path) override {
    const int fd = open_retrying(path, O_RDWR | O_CREAT);
    struct flock request {};
    request.l_type = F_WRLCK;
    request.l_whence = SEEK_SET;
    request.l_start = 0;
    request.l_len = 0;
    if (::fcntl(fd, F_OFD_SETLK, &request) != 0) {
      const int error = errno;
      ::close(fd);
      if (error == EAGAIN || error == EACCES) {
        throw IoError("lock (in use by another open store)", path, EWOULDBLOCK);
      }
      throw IoError("lock", path, error);
    }
    return std::make_unique<PosixFileLock>(fd, path);
  }
};

}  // namespace

FileSystem& posix_file_system() noexcept {
  static PosixFileSystem instance;
  return instance;
}

}  // namespace orchestrix::durable
