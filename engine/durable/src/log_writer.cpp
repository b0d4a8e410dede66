// LogWriter (log_writer.hpp): frames written under one mutex, fdatasync outside it, one sync in
// flight at a time shared by every appender waiting on it (group commit).
#include <cerrno>
#include <cstring>
#include <orchestrix/durable/log_writer.hpp>
#include <utility>

namespace orchestrix::durable {

std::unique_ptr<LogWriter> LogWriter::create(FileSystem& fs, const std::string& path,
                                             const Uuid& store, WriterOptions options) {
  if (fs.exists(path)) throw IoError("create log", path, EEXIST);
  const std::string temporary = path + ".tmp";
  {
    const std::unique_ptr<File> file = fs.open(temporary, OpenMode::kTruncate);
    std::array<std::byte, kFileHeaderSize> header{};
    encode_file_header(FileHeader{kFormatVersion, store}, header);
    file->write_all(0, header);
    file->sync();
  }
  fs.rename(temporary, path);
  fs.sync_directory(parent_directory(path));
  return std::make_unique<LogWriter>(Token{}, path, fs.open(path, OpenMode::kReadWrite),
                                     kFileHeaderSize, options);
}

std::unique_ptr<LogWriter> LogWriter::open(FileSystem& fs, const std::string& path,
                                           const Uuid& store, WriterOptions options,
                                           ReadOptions read_options, const FrameCallback& on_frame,
                                           ScanSummary* summary) {
  return open_until(
      fs, path, store, options, read_options,
      [&](const FrameView& frame) {
        if (on_frame) on_frame(frame);
        return true;
      },
      summary);
}

std::unique_ptr<LogWriter> LogWriter::open_until(FileSystem& fs, const std::string& path,
                                                 const Uuid& store, WriterOptions options,
                                                 ReadOptions read_options,
                                                 const FramePredicate& on_frame,
                                                 ScanSummary* summary) {
  std::uint64_t valid_end = 0;
  {
    LogReader reader(fs, path, store, read_options);
    FrameView frame;
    bool stopped = false;
    while (reader.next(frame)) {
      if (on_frame && !on_frame(frame)) {
        stopped = true;
        break;
      }
    }
    valid_end = stopped ? frame.offset : reader.summary().valid_end;
    if (summary != nullptr) {
      *summary = reader.summary();
      if (stopped) {
        summary->valid_end = valid_end;
        summary->tail = TailState::kSalvaged;
      }
    }
  }
  std::unique_ptr<File> file = fs.open(path, OpenMode::kReadWrite);
  if (file->size() != valid_end) file->truncate(valid_end);
  file->sync();
  return std::make_unique<LogWriter>(Token{}, path, std::move(file), valid_end, options);
}

LogWriter::LogWriter(Token /*token*/, std::string path, std::unique_ptr<File> file,
                     std::uint64_t end, WriterOptions options)
    : path_(std::move(path)),
      file_(std::move(file)),
      options_(options),
      buffer_(options.memory != nullptr ? options.memory : std::pmr::get_default_resource()),
      end_(end),
      synced_(end) {
  if (options_.durability == Durability::kPeriodic) {
    periodic_ = std::thread([this] { periodic_loop(); });
  }
}

LogWriter::~LogWriter() {
  {
    const std::scoped_lock lock(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (periodic_.joinable()) periodic_.join();
}

void LogWriter::throw_if_unusable_locked() const {
  if (closed_) throw UsageError("LogWriter: the log '" + path_ + "' is closed");
  if (failure_) {
    throw IoError(std::string("append refused: an earlier operation failed (") + failure_->what() +
                      "); the log must be reopened:",
                  path_, failure_->error_number());
  }
}

std::uint64_t LogWriter::append(std::uint8_t type, std::span<const std::byte> payload) {
  const std::uint64_t end = write(type, payload);
  wait_durable(end);
  return end - kFrameHeaderSize - payload.size();
}

std::uint64_t LogWriter::write(std::uint8_t type, std::span<const std::byte> payload) {
  if (type == 0) throw InvalidArgument("LogWriter::append: frame type 0 is reserved");
  if (payload.size() > options_.max_frame_payload) {
    throw InvalidArgument("LogWriter::append: payload of " + std::to_string(payload.size()) +
                          " bytes is over the frame limit of " +
                          std::to_string(options_.max_frame_payload));
  }
  const std::scoped_lock lock(mutex_);
  throw_if_unusable_locked();
  const std::size_t size = kFrameHeaderSize + payload.size();
  if (buffer_.size() < size) buffer_.resize(size);
  encode_frame_header(type, payload, std::span(buffer_).first<kFrameHeaderSize>());
  if (!payload.empty())
    std::memcpy(buffer_.data() + kFrameHeaderSize, payload.data(), payload.size());
  const std::uint64_t offset = end_;
  try {
    file_->write_all(offset - base_, std::span(buffer_.data(), size));
  } catch (const IoError& e) {
    failure_ = e;
    throw;
  }
  end_ = offset + size;
  return end_;
}

void LogWriter::wait_durable(std::uint64_t end) {
  if (options_.durability != Durability::kOnCommit) return;
  std::unique_lock lock(mutex_);
  wait_durable_locked(lock, end);
}

void LogWriter::wait_durable_locked(std::unique_lock<std::mutex>& lock, std::uint64_t target) {
  while (synced_ < target) {
    throw_if_unusable_locked();
    if (sync_running_) {
      synced_cv_.wait(lock);
      continue;
    }
    sync_running_ = true;
    const std::uint64_t upto = end_;
    lock.unlock();
    std::optional<IoError> error;
    try {
      file_->sync();
    } catch (const IoError& e) {
      error = e;
    }
    lock.lock();
    sync_running_ = false;
    if (error) {
      failure_ = error;
    } else if (upto > synced_) {
      synced_ = upto;
    }
    synced_cv_.notify_all();
    if (error) throw IoError(*error);
  }
}

void LogWriter::sync() {
  std::unique_lock lock(mutex_);
  throw_if_unusable_locked();
  wait_durable_locked(lock, end_);
}

void LogWriter::close() {
  {
    std::unique_lock lock(mutex_);
    if (closed_) throw UsageError("LogWriter: the log '" + path_ + "' is closed");
    if (!failure_) wait_durable_locked(lock, end_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (periodic_.joinable()) periodic_.join();
  const std::scoped_lock lock(mutex_);
  closed_ = true;
  file_.reset();
}

std::uint64_t LogWriter::end_offset() const {
  const std::scoped_lock lock(mutex_);
  return end_;
}

std::uint64_t LogWriter::file_bytes() const {
  const std::scoped_lock lock(mutex_);
  return end_ - base_;
}

void LogWriter::replace_file(std::unique_ptr<File> file, std::uint64_t file_end, std::string path) {
  std::unique_ptr<File> old;
  {
    std::unique_lock lock(mutex_);
    throw_if_unusable_locked();
    wait_durable_locked(lock, end_);
    // A sync of the old file may still run (the kPeriodic thread, or a waiter whose sync
    // covered less): it holds file_ without the lock, so wait for it to return.
    synced_cv_.wait(lock, [this] { return !sync_running_; });
    throw_if_unusable_locked();
    old = std::exchange(file_, std::move(file));
    base_ = end_ - file_end;
    path_ = std::move(path);
  }
}

void LogWriter::fail(const IoError& error) {
  const std::scoped_lock lock(mutex_);
  if (!failure_) failure_ = error;
}

std::uint64_t LogWriter::durable_offset() const {
  const std::scoped_lock lock(mutex_);
  return synced_;
}

void LogWriter::periodic_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, options_.sync_interval, [this] { return stopping_; });
    if (stopping_ || failure_ || sync_running_ || synced_ >= end_) continue;
    try {
      wait_durable_locked(lock, end_);
    } catch (const IoError&) {
      // failure_ holds it: the next append() or sync() reports it.
    }
  }
}

}  // namespace orchestrix::durable
