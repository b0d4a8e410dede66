// orchestrix/durable/file_system.hpp — the one interface through which the durable file layer
// touches files, so that tests can put a fault-injecting file system in its place.
//
// posix_file_system() is the real one (pread/pwrite/fdatasync/rename/fsync of the directory);
// FaultFileSystem (fault_file_system.hpp) is an in-memory one that fails chosen calls, returns
// short writes and simulates a crash.
//
// Errors: every failing call throws orchestrix::IoError (operation, path, errno) and changes
// nothing the caller can rely on: a failed write may have written a prefix of its bytes, a failed
// sync leaves the written-but-unsynced bytes in an unknown state (the caller must not trust them).
// Memory: paths, listings and handles live on the default heap; none of these calls is on the
// per-frame append path except File::write_some and File::sync, which never allocate.
// Thread safety: a File may be used by several threads at once (positional reads and writes, and
// a sync concurrent with writes, as POSIX allows); a FileSystem may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace orchestrix::durable {

enum class OpenMode {
  kRead,       // an existing file, read only
  kReadWrite,  // an existing file, read and write
  kCreate,     // read and write, created empty when missing (an existing file is kept)
  kTruncate,   // read and write, created when missing, emptied when present
};

// An open file. Closing is the destructor; it does not sync.
class File {
 public:
  virtual ~File() = default;

  // pwrite: writes up to data.size() bytes at `offset` and returns how many it wrote (> 0).
  virtual std::size_t write_some(std::uint64_t offset, std::span<const std::byte> data) = 0;
  // pread: reads up to out.size() bytes at `offset`; returns how many (0 at or past the end).
  virtual std::size_t read_some(std::uint64_t offset, std::span<std::byte> out) = 0;
  // fdatasync: the file's data written so far (and its size) is on stable storage when it returns.
  virtual void sync() = 0;
  // ftruncate.
  virtual void truncate(std::uint64_t size) = 0;
  // The current size in bytes.
  virtual std::uint64_t size() = 0;
  virtual const std::string& path() const noexcept = 0;
  // A hint that [offset, offset + length) will be read soon: the POSIX file asks the kernel to
  // start reading it into the page cache (posix_fadvise WILLNEED) and returns without waiting.
  // No effect on what reads return; failures are ignored. The default does nothing.
  virtual void will_read(std::uint64_t offset, std::uint64_t length) noexcept {
    (void)offset;
    (void)length;
  }

  // Writes all of `data` at `offset`, looping over short writes; throws IoError when a call fails
  // (the bytes before the failure may be in the file).
  void write_all(std::uint64_t offset, std::span<const std::byte> data);
  // Reads until `out` is full or the end of the file; returns how many bytes it read.
  std::size_t read_full(std::uint64_t offset, std::span<std::byte> out);
};

// A held advisory lock (see FileSystem::lock); released by the destructor.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual std::unique_ptr<File> open(const std::string& path, OpenMode mode) = 0;
  // rename(2): atomically replaces `to`. Durable only after sync_directory of its folder.
  virtual void rename(const std::string& from, const std::string& to) = 0;
  // fsync of a directory: creations, renames and removals in it are on stable storage.
  virtual void sync_directory(const std::string& directory) = 0;
  // unlink(2).
  virtual void remove(const std::string& path) = 0;
  // The names (not paths) of the entries of `directory`, sorted, without "." and "..".
  virtual std::vector<std::string> list_directory(const std::string& directory) = 0;
  // The size of the file at `path`; IoError (ENOENT) when there is none.
  virtual std::uint64_t file_size(const std::string& path) = 0;
  virtual bool exists(const std::string& path) = 0;
  // mkdir(2); an existing directory is not an error.
  virtual void create_directory(const std::string& path) = 0;
  // An exclusive lock on the file at `path` (created when missing), held until the returned
  // object is destroyed. Another holder, in this process or another, makes it throw IoError with
  // EWOULDBLOCK and a message saying the file is in use.
  virtual std::unique_ptr<FileLock> lock(const std::string& path) = 0;
};

// The process's POSIX file system. Thread-safe; lives for the whole program.
FileSystem& posix_file_system() noexcept;

// "dir/name" (no separator added when `directory` is empty or already ends with one).
std::string join_path(const std::string& directory, const std::string& name);
// The folder part of `path` ("." when it has none).
std::string parent_directory(const std::string& path);

}  // namespace orchestrix::durable
