// DirectoryLock (directory_lock.hpp).
#include <cerrno>
#include <orchestrix/durable/directory_lock.hpp>
#include <orchestrix/errors.hpp>

namespace orchestrix::durable {

DirectoryLock::DirectoryLock(FileSystem& fs, const std::string& directory) : directory_(directory) {
  fs.create_directory(directory);
  try {
    lock_ = fs.lock(join_path(directory, kFileName));
  } catch (const IoError& e) {
    if (e.error_number() == EWOULDBLOCK) {
      throw IoError("open: the directory is in use by another process or store (LOCK is held);",
                    directory, EWOULDBLOCK);
    }
    throw;
  }
}

}  // namespace orchestrix::durable
