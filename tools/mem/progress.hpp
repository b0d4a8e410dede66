// A one-line progress bar on stderr: "[#####.....]  45%  450000/1000000 events  2.61 M/s  ETA 3s".
//
// Drawn only when enabled (the caller passes whether stderr is a terminal, or a forced choice)
// and only once the run has lasted more than a second, then redrawn at most ten times a second;
// finish() clears the line, so a run that ends quickly prints nothing and a run whose stderr is
// a file or a pipe never gets control characters. The rate is the mean since the start; the ETA
// is the remaining events at that rate.
// Memory: none after construction. Thread safety: one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace orchestrix::tools {

class Progress {
 public:
  // `out` is where the bar goes (stderr in the tool); `total` the events the run will append.
  Progress(std::FILE* out, std::uint64_t total, bool enabled) noexcept;
  // The events appended so far. Cheap when nothing is drawn (one clock read).
  void update(std::uint64_t done) noexcept;
  // Clears the bar if one was drawn. Idempotent.
  void finish() noexcept;
  // True once a bar has been drawn.
  bool drawn() const noexcept { return drawn_; }

 private:
  using Clock = std::chrono::steady_clock;
  std::FILE* out_;
  std::uint64_t total_;
  bool enabled_;
  bool drawn_ = false;
  Clock::time_point start_;
  Clock::time_point next_draw_;
};

// Whether stderr is a terminal (isatty(2)).
bool stderr_is_terminal() noexcept;

}  // namespace orchestrix::tools
