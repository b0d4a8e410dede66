#include "progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>

namespace orchestrix::tools {

Progress::Progress(std::FILE* out, std::uint64_t total, bool enabled) noexcept
    : out_(out),
      total_(total),
      enabled_(enabled),
      start_(Clock::now()),
      next_draw_(start_ + std::chrono::seconds(1)) {}

void Progress::update(std::uint64_t done) noexcept {
  if (!enabled_) return;
  const Clock::time_point now = Clock::now();
  if (now < next_draw_) return;
  next_draw_ = now + std::chrono::milliseconds(100);
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  const double fraction =
      total_ == 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
  constexpr int kWidth = 30;
  std::array<char, kWidth + 1> bar{};
  const int filled = static_cast<int>(fraction * kWidth);
  for (int i = 0; i < kWidth; ++i) bar[static_cast<std::size_t>(i)] = i < filled ? '#' : '.';
  const double eta = rate > 0 && done < total_ ? static_cast<double>(total_ - done) / rate : 0.0;
  std::fprintf(out_, "\r[%s] %3d%%  %llu/%llu events  %.2f M/s  ETA %.0fs  ", bar.data(),
               static_cast<int>(fraction * 100), static_cast<unsigned long long>(done),
               static_cast<unsigned long long>(total_), rate / 1e6, eta);
  std::fflush(out_);
  drawn_ = true;
}

void Progress::finish() noexcept {
  if (!drawn_ || !enabled_) return;
  std::fprintf(out_, "\r%*s\r", 100, "");
  std::fflush(out_);
  enabled_ = false;
}

bool stderr_is_terminal() noexcept { return ::isatty(STDERR_FILENO) == 1; }

}  // namespace orchestrix::tools
