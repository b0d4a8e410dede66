// orchestrix/durable/log_writer.hpp — appends frames to a log file (log_format.hpp) and makes
// them durable per a Durability mode, with group commit.
//
// Durability (what append() promises when it returns, and what a crash can lose):
//   kNone      the frame is written to the file (the OS page cache), not synced. A process crash
//              loses nothing written; a power loss or OS crash can lose any frame since the last
//              sync()/close() (the recovery scan cuts the file at the first missing one).
//   kOnCommit  the frame is on stable storage (fdatasync returned). Concurrent appenders share
//              one fdatasync (group commit): while one sync runs, later frames are written and
//              the next sync covers them all. A crash loses only frames whose append() had not
//              returned.
//   kPeriodic  written now; a background thread syncs at most every sync_interval. A power loss
//              can lose the frames of the last interval (plus the sync in flight); a process
//              crash loses nothing written.
//
// Failures: any failed write or sync makes the writer refuse every later append()/sync() with
// IoError whose what() names the first failure: after a failed fdatasync the kernel may have
// dropped the dirty pages, and a retried sync can report success for data that is gone, so the
// only safe continuation is to reopen (recover) the file. The frame whose append failed is not
// acknowledged; every frame acknowledged before stays readable (recovery cuts the partial one).
//
// Thread safety: append(), sync(), end_offset() and durable_offset() may be called from any
// number of threads at once; frames are written in the order their appends take the writer's
// lock. close() and the destructor must not run concurrently with other calls.
// Memory: one frame buffer (the largest frame appended) from options.memory; append() allocates
// nothing else, so after the first frames of the largest size it makes no allocation at all.
// Errors: InvalidArgument (type 0, payload over max_frame_payload), UsageError (after close()),
// IoError, CorruptionError (open() of a damaged file, see log_reader.hpp).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <optional>
#include <orchestrix/durable/file_system.hpp>
#include <orchestrix/durable/log_reader.hpp>
#include <orchestrix/errors.hpp>
#include <thread>

namespace orchestrix::durable {

enum class Durability { kNone, kOnCommit, kPeriodic };

struct WriterOptions {
  Durability durability = Durability::kOnCommit;
  // kPeriodic: the longest time a written frame stays unsynced (plus one sync's duration).
  std::chrono::milliseconds sync_interval{100};
  std::uint32_t max_frame_payload = kMaxFramePayload;
  // Where the frame buffer comes from; nullptr: std::pmr::get_default_resource().
  std::pmr::memory_resource* memory = nullptr;
};

class LogWriter {
  struct Token {};

 public:
  using FrameCallback = std::function<void(const FrameView&)>;
  // Returns false to stop the scan at this frame (see open_until()).
  using FramePredicate = std::function<bool(const FrameView&)>;

  // Creates a new, empty log at `path` (IoError EEXIST when a file is there): writes the header to
  // "<path>.tmp", syncs it, renames it to `path` and syncs the folder, so a crash never leaves a
  // file at `path` without a whole header.
  static std::unique_ptr<LogWriter> create(FileSystem& fs, const std::string& path,
                                           const Uuid& store, WriterOptions options = {});

  // Recovers an existing log and opens it for appends: scans it (LogReader with read_options),
  // calls on_frame for every valid frame in order, cuts a torn tail (or, with
  // CorruptionPolicy::kSalvage, everything from the first bad frame), syncs the file, and returns
  // a writer positioned after the last valid frame. `summary` (optional) receives the scan's.
  static std::unique_ptr<LogWriter> open(FileSystem& fs, const std::string& path, const Uuid& store,
                                         WriterOptions options, ReadOptions read_options,
                                         const FrameCallback& on_frame,
                                         ScanSummary* summary = nullptr);
  // As open(), but on_frame may refuse a frame (return false): the scan stops there, the file is
  // cut at that frame's offset (it and everything after it are gone), and the writer appends
  // from there. For a reader of the payloads that finds a frame it cannot apply (kSalvage).
  static std::unique_ptr<LogWriter> open_until(FileSystem& fs, const std::string& path,
                                               const Uuid& store, WriterOptions options,
                                               ReadOptions read_options,
                                               const FramePredicate& on_frame,
                                               ScanSummary* summary = nullptr);

  LogWriter(Token, std::string path, std::unique_ptr<File> file, std::uint64_t end,
            WriterOptions options);
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;
  // Stops the periodic thread. Does not sync (call close() for that).
  ~LogWriter();

  // Appends one frame; returns its offset in the file once it is as durable as the mode says.
  // Same as write() followed by wait_durable() of the returned end.
  std::uint64_t append(std::uint8_t type, std::span<const std::byte> payload);
  // The two halves of append(), for a caller that must order its frames under its own lock but
  // wait for the sync outside it: write() writes the frame (no sync) and returns the byte after
  // it; wait_durable(end) returns once that byte is as durable as the mode says (kOnCommit: a
  // sync covering it has returned, shared with concurrent waiters; kNone, kPeriodic: at once).
  // Both throw IoError when the writer has failed (wait_durable() only while `end` is not yet
  // durable); a failed write() leaves the file as it was before the frame, as far as recovery
  // is concerned (a partial frame is a torn tail).
  std::uint64_t write(std::uint8_t type, std::span<const std::byte> payload);
  void wait_durable(std::uint64_t end);
  // Makes every frame written so far durable (shares a sync in flight, like kOnCommit appends).
  void sync();
  // Syncs (unless the writer has failed) and closes the file; later calls throw UsageError.
  void close();

  // The byte after the last frame written; the byte after the last frame known durable. Both
  // are logical offsets: the file offset until the first replace_file(), and after it they keep
  // growing from where they were (so an end returned before stays comparable).
  std::uint64_t end_offset() const;
  std::uint64_t durable_offset() const;
  // The size of the current file (end_offset() in that file's own bytes).
  std::uint64_t file_bytes() const;
  // Continues the log in another file that holds the same history (a rewrite of it, complete up
  // to `file_end`; the caller wrote, synced and renamed it into place): syncs the current file
  // (so every end returned so far is durable), then writes later frames at `file_end` of `file`.
  // REQUIRES: no write() runs concurrently (the caller excludes its writers); wait_durable(),
  // sync() and the kPeriodic thread may. Throws IoError (the sync of the current file; the
  // writer has then failed) or UsageError after close(). The old file is closed.
  void replace_file(std::unique_ptr<File> file, std::uint64_t file_end, std::string path);
  // Marks the writer failed with `error` (as a failed write would): later appends, syncs and
  // replace_file() throw IoError naming it. For a caller whose own step around the log failed
  // in a way that leaves the file's successor uncertain. Idempotent (the first failure stays).
  void fail(const IoError& error);
  const std::string& path() const noexcept { return path_; }

 private:
  void wait_durable_locked(std::unique_lock<std::mutex>& lock, std::uint64_t target);
  void throw_if_unusable_locked() const;
  void periodic_loop();

  std::string path_;
  std::unique_ptr<File> file_;
  WriterOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable synced_cv_;
  std::condition_variable stop_cv_;
  std::pmr::vector<std::byte> buffer_;
  std::uint64_t end_;
  std::uint64_t synced_;
  // end_ - base_ is the offset in file_ (unsigned wrap-around: a rewritten file may be longer
  // than the logical offset it replaces).
  std::uint64_t base_ = 0;
  bool sync_running_ = false;
  bool stopping_ = false;
  bool closed_ = false;
  std::optional<IoError> failure_;
  std::thread periodic_;
};

}  // namespace orchestrix::durable
