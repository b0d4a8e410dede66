// orchestrix/durable/directory_lock.hpp — one owner per data directory: an exclusive lock on the
// file LOCK inside it (an OFD lock through FileSystem::lock on POSIX), held for the owner's life.
//
// A second DirectoryLock on the same directory, from another process or from this one, throws
// IoError with EWOULDBLOCK whose what() says the directory is in use. The lock is released by
// the destructor and by the kernel when the holding process dies (also by SIGKILL), so a crash
// never leaves a directory locked. The LOCK file itself stays; its contents are not used.
// Thread safety: a DirectoryLock is not shared between threads. Memory: default heap (a path).
#pragma once

#include <memory>
#include <orchestrix/durable/file_system.hpp>
#include <string>

namespace orchestrix::durable {

class DirectoryLock {
 public:
  static constexpr const char* kFileName = "LOCK";

  // Creates `directory` when missing, then takes the lock. Throws IoError.
  DirectoryLock(FileSystem& fs, const std::string& directory);

  const std::string& directory() const noexcept { return directory_; }

 private:
  std::string directory_;
  std::unique_ptr<FileLock> lock_;
};

}  // namespace orchestrix::durable
