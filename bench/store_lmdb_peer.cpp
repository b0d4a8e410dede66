#include "store_lmdb_peer.hpp"

#include <lmdb.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace orchestrix::bench {
namespace {

void check(int rc, const char* what) {
  if (rc != MDB_SUCCESS)
    throw std::runtime_error(std::string("lmdb: ") + what + ": " + mdb_strerror(rc));
}

std::filesystem::path make_temp_dir() {
  std::string base;
  if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t != '\0') {
    base = t;
  } else if (std::filesystem::is_directory("/dev/shm")) {
    base = "/dev/shm";
  } else {
    base = "/tmp";
  }
  std::string pattern = base + "/orchestrix-bench-lmdb-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("lmdb: mkdtemp failed in " + base);
  return pattern;
}

void put_u64_be(std::byte* p, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<std::byte>(v & 0xFF);
    v >>= 8;
  }
}

std::uint64_t get_u64_be(const std::byte* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint64_t>(p[i]);
  return v;
}

MDB_val val(const void* p, std::size_t n) { return {n, const_cast<void*>(p)}; }

// A transaction aborted on scope exit unless committed.
class Txn {
 public:
  Txn(MDB_env* env, unsigned flags) {
    check(mdb_txn_begin(env, nullptr, flags, &txn_), "txn_begin");
  }
  ~Txn() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
  }
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  MDB_txn* get() const { return txn_; }
  void commit() {
    MDB_txn* t = txn_;
    txn_ = nullptr;
    check(mdb_txn_commit(t), "txn_commit");
  }

 private:
  MDB_txn* txn_ = nullptr;
};

std::string_view take_short_string(const std::byte*& p) {
  const auto n = static_cast<std::size_t>(*p++);
  std::string_view s(reinterpret_cast<const char*>(p), n);
  p += n;
  return s;
}

void put_short_string(std::string& out, std::string_view s) {
  if (s.size() > 255)
    throw std::runtime_error("lmdb peer: a type/source/content type over 255 bytes");
  out.push_back(static_cast<char>(s.size()));
  out.append(s);
}

}  // namespace

struct LmdbStore::Impl {
  std::filesystem::path dir;
  MDB_env* env = nullptr;
  MDB_dbi events = 0;
  MDB_dbi heads = 0;
  MDB_dbi snapshots = 0;
  std::atomic<std::uint64_t> positions{0};  // written under LMDB's writer lock
};

LmdbStore::LmdbStore() : impl_(std::make_unique<Impl>()) {
  impl_->dir = make_temp_dir();
  try {
    check(mdb_env_create(&impl_->env), "env_create");
    check(mdb_env_set_maxdbs(impl_->env, 3), "set_maxdbs");
    check(mdb_env_set_mapsize(impl_->env, std::size_t{8} << 30), "set_mapsize");
    check(mdb_env_open(impl_->env, impl_->dir.c_str(), MDB_NOSYNC | MDB_NOTLS, 0600), "env_open");
    Txn txn(impl_->env, 0);
    check(mdb_dbi_open(txn.get(), "events", MDB_CREATE, &impl_->events), "dbi_open");
    check(mdb_dbi_open(txn.get(), "heads", MDB_CREATE, &impl_->heads), "dbi_open");
    check(mdb_dbi_open(txn.get(), "snapshots", MDB_CREATE, &impl_->snapshots), "dbi_open");
    txn.commit();
  } catch (...) {
    if (impl_->env != nullptr) mdb_env_close(impl_->env);
    std::error_code ec;
    std::filesystem::remove_all(impl_->dir, ec);
    throw;
  }
}

LmdbStore::~LmdbStore() {
  mdb_env_close(impl_->env);
  std::error_code ec;
  std::filesystem::remove_all(impl_->dir, ec);
}

void LmdbStore::append(std::string_view stream, std::span<const EventData> events) {
  Txn txn(impl_->env, 0);
  MDB_val head_key = val(stream.data(), stream.size());
  MDB_val head{};
  std::uint64_t version = 0;
  if (const int rc = mdb_get(txn.get(), impl_->heads, &head_key, &head); rc == MDB_SUCCESS) {
    std::memcpy(&version, head.mv_data, 8);
  } else if (rc != MDB_NOTFOUND) {
    check(rc, "get head");
  }
  std::string key(stream);
  key.push_back('\0');
  key.resize(key.size() + 8);
  std::byte* version_bytes = reinterpret_cast<std::byte*>(key.data() + stream.size() + 1);
  std::string value;
  const std::int64_t now = Timestamp::now().unix_nanos();
  std::uint64_t position = impl_->positions.load(std::memory_order_relaxed);
  for (const EventData& e : events) {
    const Uuid id = e.id ? *e.id : Uuid::v4();
    const std::int64_t time = e.time ? e.time->unix_nanos() : now;
    value.clear();
    value.append(reinterpret_cast<const char*>(&position), 8);
    value.append(reinterpret_cast<const char*>(&time), 8);
    value.append(reinterpret_cast<const char*>(id.bytes().data()), 16);
    put_short_string(value, e.type);
    put_short_string(value, e.source);
    put_short_string(value, e.content_type);
    value.append(reinterpret_cast<const char*>(e.data.data()), e.data.size());
    put_u64_be(version_bytes, version++);
    ++position;
    MDB_val k = val(key.data(), key.size());
    MDB_val v = val(value.data(), value.size());
    check(mdb_put(txn.get(), impl_->events, &k, &v, 0), "put event");
  }
  MDB_val new_head = val(&version, 8);
  check(mdb_put(txn.get(), impl_->heads, &head_key, &new_head, 0), "put head");
  impl_->positions.store(position, std::memory_order_relaxed);
  txn.commit();
}

void LmdbStore::read(std::string_view stream, std::uint64_t from,
                     const std::function<void(const LmdbEvent&)>& f) const {
  Txn txn(impl_->env, MDB_RDONLY);
  MDB_cursor* cursor = nullptr;
  check(mdb_cursor_open(txn.get(), impl_->events, &cursor), "cursor_open");
  std::unique_ptr<MDB_cursor, decltype(&mdb_cursor_close)> cursor_guard(cursor, mdb_cursor_close);
  std::string key(stream);
  key.push_back('\0');
  key.resize(key.size() + 8);
  put_u64_be(reinterpret_cast<std::byte*>(key.data() + stream.size() + 1), from);
  MDB_val k = val(key.data(), key.size());
  MDB_val v{};
  int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
  const std::size_t prefix = stream.size() + 1;
  while (rc == MDB_SUCCESS) {
    if (k.mv_size != prefix + 8 || std::memcmp(k.mv_data, key.data(), prefix) != 0) break;
    const auto* kp = static_cast<const std::byte*>(k.mv_data);
    const auto* p = static_cast<const std::byte*>(v.mv_data);
    const std::byte* end = p + v.mv_size;
    LmdbEvent e;
    e.version = get_u64_be(kp + prefix);
    std::memcpy(&e.position, p, 8);
    std::memcpy(&e.time, p + 8, 8);
    e.id = {p + 16, 16};
    p += 32;
    e.type = take_short_string(p);
    e.source = take_short_string(p);
    e.content_type = take_short_string(p);
    e.data = {p, static_cast<std::size_t>(end - p)};
    f(e);
    rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
  }
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) check(rc, "cursor_get");
}

void LmdbStore::save_snapshot(std::string_view stream, std::uint64_t version, std::string_view type,
                              std::string_view state) {
  std::string value(reinterpret_cast<const char*>(&version), 8);
  put_short_string(value, type);
  value.append(state);
  Txn txn(impl_->env, 0);
  MDB_val k = val(stream.data(), stream.size());
  MDB_val v = val(value.data(), value.size());
  check(mdb_put(txn.get(), impl_->snapshots, &k, &v, 0), "put snapshot");
  txn.commit();
}

std::optional<LmdbSnapshot> LmdbStore::load_snapshot(std::string_view stream) const {
  Txn txn(impl_->env, MDB_RDONLY);
  MDB_val k = val(stream.data(), stream.size());
  MDB_val v{};
  const int rc = mdb_get(txn.get(), impl_->snapshots, &k, &v);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  check(rc, "get snapshot");
  const auto* p = static_cast<const std::byte*>(v.mv_data);
  const std::byte* end = p + v.mv_size;
  LmdbSnapshot s;
  std::memcpy(&s.version, p, 8);
  p += 8;
  s.type = std::string(take_short_string(p));
  s.state.assign(reinterpret_cast<const char*>(p), static_cast<std::size_t>(end - p));
  return s;
}

std::uint64_t LmdbStore::events() const { return impl_->positions.load(std::memory_order_relaxed); }

std::uint64_t LmdbStore::bytes_used() const {
  MDB_envinfo info{};
  MDB_stat stat{};
  check(mdb_env_info(impl_->env, &info), "env_info");
  check(mdb_env_stat(impl_->env, &stat), "env_stat");
  return (static_cast<std::uint64_t>(info.me_last_pgno) + 1) * stat.ms_psize;
}

}  // namespace orchestrix::bench
