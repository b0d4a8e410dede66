// Internal: zstd dictionaries trained from the store's own sealed segments (docs/compression.md,
// "Dictionaries").
//
// A DictionaryBook collects samples of small sealed segments' record bytes (segments of at most
// kMaxSegmentBytes of records: segment_bytes of 64 or 128 KiB, and compaction's output of
// sparse segments; larger segments are compressed without a dictionary), at most kSampleBytes
// in the "dictionary" category, trains a dictionary from them with zstd's dictionary builder
// and keeps it as the *current* dictionary: version v (1, 2, ...; also the dictID written in
// every frame compressed with it), its bytes, a CDict and a DDict (zstd's static forms, in
// workspaces of zstd's estimated size), all from the dictionary's own counting layer over the
// "dictionary" category. The book decides per segment (policy in
// dictionary.cpp): the first kTrials segments after training are compressed both ways and keep
// the smaller frame; a dictionary that did not save kMinGainPercent over those trials is dropped
// (sampling starts again after kRetryAfter segments); a kept one is replaced (retrained) when
// the ratio of a window of kWindow recent segments falls below (100 - kDegradePercent)% of the
// ratio measured in its trials.
//
// Lifetime: a dictionary's reference count is the number of segments (live in the log or
// retired, not yet freed) whose frame needs it, plus one while it is current. Each compressed
// segment holds one reference (Segment::dict), dropped when the segment is freed (compaction
// and retention retire segments; the ReclaimDomain frees them once no reader pins them); the
// dictionary is freed when its count reaches zero, so an old version lives exactly as long as a
// segment needs it.
//
// Memory: ZDICT's trainer allocates its work tables with malloc (zstd offers no custom
// allocator for it): at most once per training, bounded by the sample size (kSampleBytes) and
// the fixed parameters (2^kTrainF 4-byte counters), freed before training returns. Everything
// else comes from the store's resource.
//
// Thread safety: sampling, training, current() and acquire() under compact_mu_ (the
// compressor's lock); release() from any thread (the last reference frees under the book's
// mutex); for_each() under the book's mutex.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <mutex>

#include "category_resource.hpp"

struct ZSTD_CDict_s;
struct ZSTD_DDict_s;

namespace orchestrix::detail {

struct Dictionary {
  explicit Dictionary(std::pmr::memory_resource* upstream) noexcept : memory(upstream) {}
  std::uint32_t version = 0;
  std::atomic<std::uint32_t> refs{0};
  CategoryResource memory;  // the bytes, CDict and DDict (over the dictionary category)
  std::byte* bytes = nullptr;
  std::size_t size = 0;                 // trained size
  std::size_t capacity = 0;             // allocated size of `bytes`
  const ZSTD_CDict_s* cdict = nullptr;  // static, in cdict_space
  const ZSTD_DDict_s* ddict = nullptr;  // static, in ddict_space
  void* cdict_space = nullptr;
  std::size_t cdict_bytes = 0;
  void* ddict_space = nullptr;
  std::size_t ddict_bytes = 0;
  Dictionary* next = nullptr;  // the book's list, guarded by its mutex
  // Bytes this dictionary holds in the dictionary category.
  std::uint64_t held_bytes() const noexcept { return sizeof(Dictionary) + memory.bytes_live(); }
};

class DictionaryBook {
 public:
  // Segments of more record bytes are compressed without a dictionary and not sampled.
  static constexpr std::size_t kMaxSegmentBytes = 128 * 1024;
  static constexpr std::size_t kSampleBytes = 512 * 1024;
  static constexpr std::size_t kSamplePiece = 2048;  // one training sample
  static constexpr std::size_t kSampleFromSegment = 64 * 1024;
  static constexpr std::size_t kDictBytes = 16 * 1024;
  static constexpr unsigned kTrainF = 18;
  static constexpr int kTrials = 4;
  static constexpr int kMinGainPercent = 3;
  static constexpr int kWindow = 16;
  static constexpr int kDegradePercent = 20;
  static constexpr int kRetryAfter = 256;

  // memory: the dictionary category. level: the zstd level the CDict is built for. enabled:
  // false never trains (CompressionOptions::dictionary).
  DictionaryBook(std::pmr::memory_resource* memory, int level, bool enabled) noexcept;
  ~DictionaryBook();
  DictionaryBook(const DictionaryBook&) = delete;
  DictionaryBook& operator=(const DictionaryBook&) = delete;

  // Under compact_mu_. The dictionary to try on the next segment, or nullptr.
  Dictionary* current() const noexcept { return current_; }
  // True while the current dictionary is in its trials (compress both ways).
  bool trialing() const noexcept { return current_ != nullptr && trials_ < kTrials; }
  // Reports a segment of `n` record bytes compressed to `plain` bytes without the dictionary
  // and/or `with_dict` bytes with the current one (0: not tried). May drop the current
  // dictionary. Without a current dictionary, samples `src` and trains once enough is held.
  void report(const std::byte* src, std::size_t n, std::size_t plain,
              std::size_t with_dict) noexcept;

  static void acquire(Dictionary* d) noexcept { d->refs.fetch_add(1, std::memory_order_relaxed); }
  void release(Dictionary* d) noexcept;

  // Under the book's mutex: f(const Dictionary&) for each dictionary held; and the sample
  // buffer's bytes (dictionary category).
  template <class F>
  void for_each(F&& f) const {
    std::lock_guard lock(mu_);
    for (const Dictionary* d = list_; d != nullptr; d = d->next) f(*d);
  }
  std::uint64_t sample_bytes() const noexcept {
    return sample_ == nullptr ? 0 : std::uint64_t{kSampleBytes};
  }
  std::uint32_t trained() const noexcept { return next_version_ - 1; }

 private:
  void sample(const std::byte* src, std::size_t n) noexcept;
  void train() noexcept;
  void drop_samples() noexcept;
  void drop_current() noexcept;
  void destroy(Dictionary* d) noexcept;

  std::pmr::memory_resource* memory_;
  int level_;
  bool enabled_;
  // Under compact_mu_:
  Dictionary* current_ = nullptr;
  std::byte* sample_ = nullptr;  // kSampleBytes, while sampling
  std::size_t sample_used_ = 0;
  std::uint32_t next_version_ = 1;
  int cooldown_ = 0;  // segments to let pass before sampling again
  int trials_ = 0;
  std::uint64_t trial_plain_ = 0;
  std::uint64_t trial_dict_ = 0;
  std::uint64_t trial_raw_ = 0;
  int window_ = 0;
  std::uint64_t window_raw_ = 0;
  std::uint64_t window_packed_ = 0;
  // Ratio (record bytes / frame bytes) of the trials, x1000.
  std::uint64_t trained_ratio_milli_ = 0;
  // The dictionaries held (current and old), guarded by mu_.
  mutable std::mutex mu_;
  Dictionary* list_ = nullptr;
};

}  // namespace orchestrix::detail
