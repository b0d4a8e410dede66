// The FileSystem interface: the same contract checked on the POSIX implementation and on
// FaultFileSystem, then what only the fault-injecting one does (faults, counts, crash rules).
#include <doctest/doctest.h>

#include <cerrno>
#include <orchestrix/durable/fault_file_system.hpp>
#include <orchestrix/errors.hpp>

#include "durable_test_support.hpp"

using namespace orchestrix::durable;
using namespace orchestrix::durable::test;
using orchestrix::IoError;
using Op = FaultFileSystem::Op;

namespace {

Bytes text(const std::string& s) {
  Bytes out(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) out[i] = static_cast<std::byte>(s[i]);
  return out;
}

void check_contract(FileSystem& fs, const std::string& dir) {
  fs.create_directory(dir);
  fs.create_directory(dir);  // existing: not an error
  const std::string a = join_path(dir, "a");
  const std::string b = join_path(dir, "b");
  CHECK_FALSE(fs.exists(a));
  try {
    fs.open(a, OpenMode::kRead);
    FAIL("no IoError");
  } catch (const IoError& e) {
    CHECK(e.error_number() == ENOENT);
    CHECK(e.path() == a);
  }
  CHECK_THROWS_AS(fs.file_size(a), IoError);
  {
    const auto f = fs.open(a, OpenMode::kCreate);
    f->write_all(0, text("hello world"));
    f->write_all(6, text("there"));
    CHECK(f->size() == 11);
    Bytes out(20);
    CHECK(f->read_full(0, out) == 11);
    out.resize(11);
    CHECK(out == text("hello there"));
    CHECK(f->read_some(11, out) == 0);
    f->truncate(5);
    f->sync();
    CHECK(f->size() == 5);
    CHECK(f->path() == a);
  }
  CHECK(fs.file_size(a) == 5);
  CHECK(fs.open(a, OpenMode::kCreate)->size() == 5);    // kCreate keeps the contents
  CHECK(fs.open(a, OpenMode::kTruncate)->size() == 0);  // kTruncate empties it
  fs.open(b, OpenMode::kTruncate)->write_all(0, text("bb"));
  CHECK(fs.list_directory(dir) == std::vector<std::string>{"a", "b"});
  fs.rename(b, a);
  fs.sync_directory(dir);
  CHECK(fs.list_directory(dir) == std::vector<std::string>{"a"});
  CHECK(fs.file_size(a) == 2);
  fs.remove(a);
  CHECK_FALSE(fs.exists(a));
  CHECK_THROWS_AS(fs.remove(a), IoError);
  CHECK(fs.list_directory(dir).empty());
}

}  // namespace

TEST_CASE("file system: the POSIX implementation keeps the contract") {
  TempDir dir;
  check_contract(posix_file_system(), dir.file("d"));
}

TEST_CASE("file system: the fault-injecting implementation keeps the same contract") {
  FaultFileSystem fs;
  check_contract(fs, "d");
}

TEST_CASE("fault file system: only_paths restricts counting and faults to matching paths") {
  FaultFileSystem fs;
  const auto seg = fs.open("d/seg-1", OpenMode::kCreate);
  const auto log = fs.open("d/log-1", OpenMode::kCreate);
  fs.only_paths("seg-");
  fs.fail_nth(Op::kWrite, 2, EIO);
  log->write_all(0, text("a"));
  log->write_all(1, text("b"));
  log->write_all(2, text("c"));
  seg->write_all(0, text("x"));
  CHECK_THROWS_AS(seg->write_all(1, text("y")), IoError);
  CHECK(fs.count(Op::kWrite) == 2);
  fs.only_paths("");
  log->write_all(3, text("d"));
  CHECK(fs.count(Op::kWrite) == 3);
  CHECK(fs.contents("d/log-1") == text("abcd"));
  CHECK(fs.contents("d/seg-1") == text("x"));
}

TEST_CASE("fault file system: the Nth call of a kind fails once, with its errno, and is counted") {
  FaultFileSystem fs;
  const auto f = fs.open("d/x", OpenMode::kCreate);
  fs.fail_nth(Op::kWrite, 2, ENOSPC);
  f->write_all(0, text("one"));
  try {
    f->write_all(3, text("two"));
    FAIL("no IoError");
  } catch (const IoError& e) {
    CHECK(e.error_number() == ENOSPC);
  }
  f->write_all(3, text("two"));
  CHECK(fs.count(Op::kWrite) == 3);
  CHECK(fs.contents("d/x") == text("onetwo"));
  fs.fail_always(Op::kRead, EIO);
  Bytes out(3);
  CHECK_THROWS_AS(f->read_some(0, out), IoError);
  CHECK_THROWS_AS(f->read_some(0, out), IoError);
  fs.clear_faults();
  CHECK(f->read_some(0, out) == 3);
}

TEST_CASE("fault file system: short writes write a prefix, write_all still writes everything") {
  FaultFileSystem fs;
  fs.short_writes(5);
  const auto f = fs.open("d/x", OpenMode::kCreate);
  const Bytes data = make_payload(1, 1, 500);
  CHECK(f->write_some(0, data) <= data.size());
  f->write_all(0, data);
  CHECK(fs.contents("d/x") == data);
  CHECK(fs.count(Op::kWrite) > 2);
}

TEST_CASE("fault file system: a crash keeps only synced bytes and synced directory entries") {
  FaultFileSystem fs;
  {
    const auto f = fs.open("d/kept", OpenMode::kCreate);
    f->write_all(0, text("durable"));
    f->sync();
    f->write_all(7, text(" and volatile"));
  }
  fs.sync_directory("d");
  fs.open("d/unsynced-name", OpenMode::kCreate)->sync();  // data synced, entry not
  fs.rename("d/kept", "d/renamed");                       // not durable without a directory sync
  const auto stale = fs.open("d/renamed", OpenMode::kRead);
  fs.crash();
  CHECK(fs.list_directory("d") == std::vector<std::string>{"kept"});
  CHECK(fs.contents("d/kept") == text("durable"));
  Bytes out(1);
  CHECK_THROWS_AS(stale->read_some(0, out), IoError);

  const auto f = fs.open("d/kept", OpenMode::kReadWrite);
  f->write_all(7, text("+tail"));
  fs.crash(true, 3);  // keeps a prefix of the unsynced appended bytes
  const Bytes kept = fs.contents("d/kept");
  CHECK(kept.size() >= 7);
  CHECK(kept.size() <= 12);
  CHECK(Bytes(kept.begin(), kept.begin() + 7) == text("durable"));
}

TEST_CASE("paths: join_path and parent_directory") {
  CHECK(join_path("a", "b") == "a/b");
  CHECK(join_path("a/", "b") == "a/b");
  CHECK(join_path("", "b") == "b");
  CHECK(parent_directory("a/b/c") == "a/b");
  CHECK(parent_directory("c") == ".");
  CHECK(parent_directory("/c") == "/");
}
