// The store's invariant walk for the engine tests (StoreAccess, engine/store/src). A walk that
// finds a broken invariant fails the calling test with the walk's message.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "orchestrix/errors.hpp"
#include "orchestrix/event_store.hpp"
#include "store_access.hpp"

namespace orchestrix::test {

// Walks the whole store (safe while other threads use it); a violation fails the test.
inline void check_store(const EventStore& store) {
  try {
    orchestrix::detail::StoreAccess::check_invariants(store);
  } catch (const orchestrix::InvariantViolation& e) {
    FAIL(e.what());
  }
}

// Walks the store over and over on its own thread until stop() (at least once), pausing a
// millisecond between walks so that the threads under test make progress in between. Keeps the
// first violation's message; failure() is empty when every walk passed.
class BackgroundChecker {
 public:
  explicit BackgroundChecker(const EventStore& store)
      : thread_([this, &store] {
          do {
            try {
              orchestrix::detail::StoreAccess::check_invariants(store);
            } catch (const orchestrix::InvariantViolation& e) {
              std::lock_guard lock(mu_);
              if (failure_.empty()) failure_ = e.what();
            }
            walks_.fetch_add(1);
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
          } while (!stop_.load());
        }) {}
  ~BackgroundChecker() { stop(); }
  BackgroundChecker(const BackgroundChecker&) = delete;
  BackgroundChecker& operator=(const BackgroundChecker&) = delete;

  void stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  std::string failure() {
    std::lock_guard lock(mu_);
    return failure_;
  }
  int walks() const { return walks_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> walks_{0};
  std::mutex mu_;
  std::string failure_;
  std::thread thread_;
};

}  // namespace orchestrix::test
