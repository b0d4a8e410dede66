// FaultFileSystem (fault_file_system.hpp): files as byte vectors with a volatile and a durable
// copy, directory entries likewise, one mutex around everything.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <orchestrix/durable/fault_file_system.hpp>
#include <orchestrix/errors.hpp>
#include <utility>

namespace orchestrix::durable {

class FaultFile final : public File {
 public:
  FaultFile(FaultFileSystem& fs, std::uint64_t node, std::uint64_t generation, std::string path,
            bool writable)
      : fs_(fs),
        node_(node),
        generation_(generation),
        path_(std::move(path)),
        writable_(writable) {}

  std::size_t write_some(std::uint64_t offset, std::span<const std::byte> data) override {
    const std::scoped_lock lock(fs_.mutex_);
    FaultFileSystem::Node& node = live("write");
    fs_.enter(FaultFileSystem::Op::kWrite, path_);
    if (!writable_) throw IoError("write", path_, EBADF);
    std::size_t n = data.size();
    if (fs_.short_writes_ && n > 1) n = 1 + static_cast<std::size_t>(fs_.rng_() % n);
    if (node.data.size() < offset + n) node.data.resize(offset + n);
    if (n != 0) std::memcpy(node.data.data() + offset, data.data(), n);
    return n;
  }

  std::size_t read_some(std::uint64_t offset, std::span<std::byte> out) override {
    const std::scoped_lock lock(fs_.mutex_);
    FaultFileSystem::Node& node = live("read");
    fs_.enter(FaultFileSystem::Op::kRead, path_);
    if (offset >= node.data.size()) return 0;
    const std::size_t n = std::min<std::size_t>(out.size(), node.data.size() - offset);
    if (n != 0) std::memcpy(out.data(), node.data.data() + offset, n);
    return n;
  }

  void sync() override {
    const std::scoped_lock lock(fs_.mutex_);
    FaultFileSystem::Node& node = live("fdatasync");
    fs_.enter(FaultFileSystem::Op::kSync, path_);
    node.durable = node.data;
  }

  void truncate(std::uint64_t size) override {
    const std::scoped_lock lock(fs_.mutex_);
    FaultFileSystem::Node& node = live("ftruncate");
    fs_.enter(FaultFileSystem::Op::kTruncate, path_);
    if (!writable_) throw IoError("ftruncate", path_, EBADF);
    node.data.resize(size);
  }

  std::uint64_t size() override {
    const std::scoped_lock lock(fs_.mutex_);
    return live("fstat").data.size();
  }

  const std::string& path() const noexcept override { return path_; }

 private:
  FaultFileSystem::Node& live(const char* operation) {
    if (generation_ != fs_.generation_) throw IoError(operation, path_, EBADF);
    return fs_.nodes_.at(node_);
  }

  FaultFileSystem& fs_;
  std::uint64_t node_;
  std::uint64_t generation_;
  std::string path_;
  bool writable_;
};

class FaultLock final : public FileLock {
 public:
  FaultLock(FaultFileSystem& fs, std::string path) : fs_(fs), path_(std::move(path)) {}
  ~FaultLock() override {
    const std::scoped_lock lock(fs_.mutex_);
    fs_.locks_.erase(path_);
  }

 private:
  FaultFileSystem& fs_;
  std::string path_;
};

namespace {
std::size_t index_of(FaultFileSystem::Op op) { return static_cast<std::size_t>(op); }
}  // namespace

void FaultFileSystem::fail_nth(Op op, std::uint64_t nth, int error_number) {
  const std::scoped_lock lock(mutex_);
  faults_[index_of(op)] = Fault{nth, false, error_number};
}

void FaultFileSystem::fail_always(Op op, int error_number) {
  const std::scoped_lock lock(mutex_);
  faults_[index_of(op)] = Fault{0, true, error_number};
}

void FaultFileSystem::clear_faults() {
  const std::scoped_lock lock(mutex_);
  faults_ = {};
}

void FaultFileSystem::only_paths(std::string part) {
  const std::scoped_lock lock(mutex_);
  only_paths_ = std::move(part);
}

void FaultFileSystem::short_writes(std::uint64_t seed) {
  const std::scoped_lock lock(mutex_);
  short_writes_ = true;
  rng_.seed(seed);
}

std::uint64_t FaultFileSystem::count(Op op) const {
  const std::scoped_lock lock(mutex_);
  return counts_[index_of(op)];
}

void FaultFileSystem::enter(Op op, const std::string& path) {
  static constexpr std::array<const char*, kOpKinds> kNames = {
      "open", "read", "write", "fdatasync", "fsync of directory", "rename", "ftruncate", "unlink"};
  if (!only_paths_.empty() && path.find(only_paths_) == std::string::npos) return;
  ++counts_[index_of(op)];
  Fault& fault = faults_[index_of(op)];
  if (fault.always) throw IoError(kNames[index_of(op)], path, fault.error_number);
  if (fault.remaining == 0) return;
  if (--fault.remaining == 0) throw IoError(kNames[index_of(op)], path, fault.error_number);
}

FaultFileSystem::Node& FaultFileSystem::node_at(const std::string& path) {
  const auto it = names_.find(path);
  if (it == names_.end()) throw IoError("stat", path, ENOENT);
  return nodes_.at(it->second);
}

void FaultFileSystem::crash(bool keep_torn_prefix, std::uint64_t seed) {
  const std::scoped_lock lock(mutex_);
  std::mt19937_64 rng(seed);
  names_ = durable_names_;
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    const bool named = std::any_of(names_.begin(), names_.end(),
                                   [&](const auto& entry) { return entry.second == it->first; });
    if (!named) {
      it = nodes_.erase(it);
      continue;
    }
    Node& node = it->second;
    const bool appended_only =
        node.data.size() > node.durable.size() &&
        std::equal(node.durable.begin(), node.durable.end(), node.data.begin());
    if (keep_torn_prefix && appended_only) {
      const std::size_t extra = node.data.size() - node.durable.size();
      node.data.resize(node.durable.size() + static_cast<std::size_t>(rng() % (extra + 1)));
      node.durable = node.data;
    } else {
      node.data = node.durable;
    }
    ++it;
  }
  locks_.clear();
  ++generation_;
}

std::vector<std::byte> FaultFileSystem::contents(const std::string& path) const {
  const std::scoped_lock lock(mutex_);
  const auto it = names_.find(path);
  if (it == names_.end()) throw IoError("stat", path, ENOENT);
  return nodes_.at(it->second).data;
}

void FaultFileSystem::set_contents(const std::string& path, std::vector<std::byte> bytes) {
  const std::scoped_lock lock(mutex_);
  auto it = names_.find(path);
  if (it == names_.end()) {
    it = names_.emplace(path, next_node_++).first;
    durable_names_[path] = it->second;
  }
  Node& node = nodes_[it->second];
  node.data = std::move(bytes);
  node.durable = node.data;
}

std::unique_ptr<File> FaultFileSystem::open(const std::string& path, OpenMode mode) {
  const std::scoped_lock lock(mutex_);
  enter(Op::kOpen, path);
  auto it = names_.find(path);
  if (it == names_.end()) {
    if (mode == OpenMode::kRead || mode == OpenMode::kReadWrite)
      throw IoError("open", path, ENOENT);
    it = names_.emplace(path, next_node_++).first;
    nodes_[it->second];
  } else if (mode == OpenMode::kTruncate) {
    nodes_.at(it->second).data.clear();
  }
  return std::make_unique<FaultFile>(*this, it->second, generation_, path, mode != OpenMode::kRead);
}

void FaultFileSystem::rename(const std::string& from, const std::string& to) {
  const std::scoped_lock lock(mutex_);
  enter(Op::kRename, from);
  const auto it = names_.find(from);
  if (it == names_.end()) throw IoError("rename to '" + to + "' of", from, ENOENT);
  const std::uint64_t node = it->second;
  names_.erase(it);
  names_[to] = node;
}

void FaultFileSystem::sync_directory(const std::string& directory) {
  const std::scoped_lock lock(mutex_);
  enter(Op::kSyncDirectory, directory);
  for (auto it = durable_names_.begin(); it != durable_names_.end();) {
    it = parent_directory(it->first) == directory ? durable_names_.erase(it) : std::next(it);
  }
  for (const auto& [name, node] : names_) {
    if (parent_directory(name) == directory) durable_names_[name] = node;
  }
}

void FaultFileSystem::remove(const std::string& path) {
  const std::scoped_lock lock(mutex_);
  enter(Op::kRemove, path);
  if (names_.erase(path) == 0) throw IoError("unlink", path, ENOENT);
}

std::vector<std::string> FaultFileSystem::list_directory(const std::string& directory) {
  const std::scoped_lock lock(mutex_);
  std::vector<std::string> out;
  for (const auto& entry : names_) {
    if (parent_directory(entry.first) == directory) {
      out.push_back(entry.first.substr(entry.first.rfind('/') + 1));
    }
  }
  return out;
}

std::uint64_t FaultFileSystem::file_size(const std::string& path) {
  const std::scoped_lock lock(mutex_);
  return node_at(path).data.size();
}

bool FaultFileSystem::exists(const std::string& path) {
  const std::scoped_lock lock(mutex_);
  return names_.count(path) != 0;
}

void FaultFileSystem::create_directory(const std::string& /*path*/) {}

std::unique_ptr<FileLock> FaultFileSystem::lock(const std::string& path) {
  const std::scoped_lock lock(mutex_);
  if (locks_.count(path) != 0)
    throw IoError("lock (in use by another open store)", path, EWOULDBLOCK);
  locks_[path] = 1;
  return std::make_unique<FaultLock>(*this, path);
}

}  // namespace orchestrix::durable
