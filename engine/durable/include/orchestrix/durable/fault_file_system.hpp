// orchestrix/durable/fault_file_system.hpp — an in-memory FileSystem for tests: fails the Nth call
// of a kind with a chosen errno, returns short writes, and simulates a crash.
//
// Each file keeps two contents: what was written (volatile, what reads see) and what was last
// synced (durable). Each directory entry likewise: a creation, rename or removal is durable only
// after sync_directory() of its folder. crash() throws away everything volatile — optionally
// keeping a random prefix of the bytes appended after the last sync, as a torn write would —
// after which the durable state can be reopened through the same object.
//
// Ownership: files live inside the object; File handles refer to it and must not outlive it.
// Handles opened before a crash() throw IoError (EBADF) on every call.
// Thread safety: every call takes one internal mutex; any number of threads may use it.
// Memory: default heap (a test tool).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <orchestrix/durable/file_system.hpp>
#include <random>
#include <string>

namespace orchestrix::durable {

class FaultFileSystem final : public FileSystem {
 public:
  enum class Op { kOpen, kRead, kWrite, kSync, kSyncDirectory, kRename, kTruncate, kRemove };
  static constexpr std::size_t kOpKinds = 8;

  FaultFileSystem() = default;
  FaultFileSystem(const FaultFileSystem&) = delete;
  FaultFileSystem& operator=(const FaultFileSystem&) = delete;

  // The `nth` call of kind `op` from now on (1 = the next one) fails with `error_number`, without
  // any effect (a failing sync leaves the file's unsynced bytes unsynced). Replaces an earlier
  // fault of the same kind.
  void fail_nth(Op op, std::uint64_t nth, int error_number);
  // Every call of kind `op` from now on fails (e.g. a disk that stays full).
  void fail_always(Op op, int error_number);
  void clear_faults();
  // From now on count calls and apply faults only for paths that contain `part` (empty: every
  // path, the default): a test of one kind of file (say a store's segment files) then fails
  // the Nth call on those files whatever other files the code under test touches.
  void only_paths(std::string part);
  // From now on every write_some writes a random non-empty prefix of its bytes (seeded).
  void short_writes(std::uint64_t seed);
  // How many calls of kind `op` were made so far (failed ones included).
  std::uint64_t count(Op op) const;

  // Forgets everything not synced. keep_torn_prefix: per file, keep a random prefix (seeded) of
  // the bytes appended after its last sync instead of none of them.
  void crash(bool keep_torn_prefix = false, std::uint64_t seed = 0);

  // Test access to the volatile contents (reads see these; a flip here is a corruption on disk).
  std::vector<std::byte> contents(const std::string& path) const;
  void set_contents(const std::string& path, std::vector<std::byte> bytes);

  std::unique_ptr<File> open(const std::string& path, OpenMode mode) override;
  void rename(const std::string& from, const std::string& to) override;
  void sync_directory(const std::string& directory) override;
  void remove(const std::string& path) override;
  std::vector<std::string> list_directory(const std::string& directory) override;
  std::uint64_t file_size(const std::string& path) override;
  bool exists(const std::string& path) override;
  void create_directory(const std::string& path) override;
  std::unique_ptr<FileLock> lock(const std::string& path) override;

 private:
  friend class FaultFile;
  friend class FaultLock;

  struct Node {
    std::vector<std::byte> data;
    std::vector<std::byte> durable;
  };
  struct Fault {
    std::uint64_t remaining = 0;  // 0: none; 1: the next call fails
    bool always = false;
    int error_number = 0;
  };

  // Counts the call; throws IoError when a fault is due. Called with mutex_ held.
  void enter(Op op, const std::string& path);
  Node& node_at(const std::string& path);

  mutable std::mutex mutex_;
  std::uint64_t next_node_ = 1;
  std::uint64_t generation_ = 0;  // bumped by crash(): older handles are stale
  std::map<std::uint64_t, Node> nodes_;
  std::map<std::string, std::uint64_t> names_;          // volatile directory entries
  std::map<std::string, std::uint64_t> durable_names_;  // synced directory entries
  std::map<std::string, int> locks_;                    // path -> holders
  std::array<Fault, kOpKinds> faults_{};
  std::array<std::uint64_t, kOpKinds> counts_{};
  std::string only_paths_;
  bool short_writes_ = false;
  std::mt19937_64 rng_;
};

}  // namespace orchestrix::durable
