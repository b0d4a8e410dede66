#include "codec/dictionary.hpp"

#define ZSTD_STATIC_LINKING_ONLY
#define ZDICT_STATIC_LINKING_ONLY
#include <zdict.h>
#include <zstd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <new>

namespace orchestrix::detail {
namespace {

constexpr std::size_t kAlign = 16;

}  // namespace

DictionaryBook::DictionaryBook(std::pmr::memory_resource* memory, int level, bool enabled) noexcept
    : memory_(memory), level_(level), enabled_(enabled) {}

DictionaryBook::~DictionaryBook() {
  drop_samples();
  drop_current();
  // Every segment released its reference before the book goes (the store frees its segments
  // first); what is left here would be a leak, freed anyway.
  while (list_ != nullptr) {
    Dictionary* d = list_;
    list_ = d->next;
    destroy(d);
  }
}

void DictionaryBook::report(const std::byte* src, std::size_t n, std::size_t plain,
                            std::size_t with_dict) noexcept {
  if (current_ == nullptr) {
    if (!enabled_) return;
    if (cooldown_ > 0) {
      --cooldown_;
      return;
    }
    sample(src, n);
    return;
  }
  if (trials_ < kTrials) {
    ++trials_;
    trial_raw_ += n;
    trial_plain_ += plain;
    trial_dict_ += with_dict;
    if (trials_ < kTrials) return;
    if (trial_dict_ * 100 > trial_plain_ * (100 - kMinGainPercent)) {
      drop_current();  // does not help on this data
      cooldown_ = kRetryAfter;
      return;
    }
    trained_ratio_milli_ = trial_raw_ * 1000 / (trial_dict_ == 0 ? 1 : trial_dict_);
    return;
  }
  ++window_;
  window_raw_ += n;
  window_packed_ += with_dict;
  if (window_ < kWindow) return;
  const std::uint64_t ratio_milli = window_raw_ * 1000 / (window_packed_ == 0 ? 1 : window_packed_);
  window_ = 0;
  window_raw_ = 0;
  window_packed_ = 0;
  if (ratio_milli * 100 < trained_ratio_milli_ * (100 - kDegradePercent)) {
    drop_current();  // degraded: sampling for the next version starts with the next segment
  }
}

void DictionaryBook::sample(const std::byte* src, std::size_t n) noexcept {
  if (sample_ == nullptr) {
    try {
      sample_ = static_cast<std::byte*>(memory_->allocate(kSampleBytes, kAlign));
    } catch (...) {
      return;  // best effort: no dictionary for now
    }
    sample_used_ = 0;
  }
  std::size_t take = n < kSampleFromSegment ? n : kSampleFromSegment;
  take -= take % kSamplePiece;
  if (take > kSampleBytes - sample_used_) take = kSampleBytes - sample_used_;
  std::memcpy(sample_ + sample_used_, src, take);
  sample_used_ += take;
  if (sample_used_ == kSampleBytes) train();
}

void DictionaryBook::train() noexcept {
  constexpr std::size_t kPieces = kSampleBytes / kSamplePiece;
  std::array<std::size_t, kPieces> sizes{};
  sizes.fill(kSamplePiece);
  void* p = nullptr;
  try {
    p = memory_->allocate(sizeof(Dictionary), alignof(Dictionary));
  } catch (...) {
    drop_samples();
    return;
  }
  auto* d = new (p) Dictionary(memory_);
  d->version = next_version_;
  bool ok = true;
  try {
    d->bytes = static_cast<std::byte*>(d->memory.allocate(kDictBytes, kAlign));
    d->capacity = kDictBytes;
  } catch (...) {
    ok = false;
  }
  if (ok) {
    ZDICT_fastCover_params_t params{};
    params.k = 200;
    params.d = 8;
    params.f = kTrainF;
    params.accel = 1;
    params.splitPoint = 1.0;
    params.zParams.dictID = d->version;
    params.zParams.compressionLevel = level_ > 0 ? level_ : 1;
    const std::size_t size = ZDICT_trainFromBuffer_fastCover(
        d->bytes, d->capacity, sample_, sizes.data(), static_cast<unsigned>(kPieces), params);
    ok = ZDICT_isError(size) == 0 && size > 0;
    if (ok) d->size = size;
  }
  drop_samples();
  if (ok) {
    // Static CDict/DDict in workspaces of zstd's estimated size, taken from the dictionary's
    // counting layer (zstd 1.5.4's ZSTD_createCDict_advanced does not survive a failing custom
    // allocator; the static constructors allocate nothing).
    const ZSTD_compressionParameters cparams = ZSTD_getCParams(level_, 0, d->size);
    try {
      d->cdict_bytes = ZSTD_estimateCDictSize_advanced(d->size, cparams, ZSTD_dlm_byRef);
      d->cdict_space = d->memory.allocate(d->cdict_bytes, kAlign);
      d->ddict_bytes = ZSTD_estimateDDictSize(d->size, ZSTD_dlm_byRef);
      d->ddict_space = d->memory.allocate(d->ddict_bytes, kAlign);
    } catch (...) {
      ok = false;
    }
    if (ok) {
      d->cdict = ZSTD_initStaticCDict(d->cdict_space, d->cdict_bytes, d->bytes, d->size,
                                      ZSTD_dlm_byRef, ZSTD_dct_fullDict, cparams);
      d->ddict = ZSTD_initStaticDDict(d->ddict_space, d->ddict_bytes, d->bytes, d->size,
                                      ZSTD_dlm_byRef, ZSTD_dct_fullDict);
      ok = d->cdict != nullptr && d->ddict != nullptr;
    }
  }
  if (!ok) {
    destroy(d);  // a failed allocation or training: compression goes on without
    cooldown_ = kRetryAfter;
    return;
  }
  ++next_version_;
  d->refs.store(1, std::memory_order_relaxed);  // the current dictionary's reference
  {
    std::lock_guard lock(mu_);
    d->next = list_;
    list_ = d;
  }
  current_ = d;
  trials_ = 0;
  trial_plain_ = trial_dict_ = trial_raw_ = 0;
  window_ = 0;
  window_raw_ = window_packed_ = 0;
}

void DictionaryBook::drop_samples() noexcept {
  if (sample_ != nullptr) memory_->deallocate(sample_, kSampleBytes, kAlign);
  sample_ = nullptr;
  sample_used_ = 0;
}

void DictionaryBook::drop_current() noexcept {
  Dictionary* d = current_;
  current_ = nullptr;
  if (d != nullptr) release(d);
}

void DictionaryBook::release(Dictionary* d) noexcept {
  if (d->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  {
    std::lock_guard lock(mu_);
    Dictionary** link = &list_;
    while (*link != d) link = &(*link)->next;
    *link = d->next;
  }
  destroy(d);
}

void DictionaryBook::destroy(Dictionary* d) noexcept {
  // The static CDict and DDict live in their workspaces: freeing those frees them.
  if (d->cdict_space != nullptr) d->memory.deallocate(d->cdict_space, d->cdict_bytes, kAlign);
  if (d->ddict_space != nullptr) d->memory.deallocate(d->ddict_space, d->ddict_bytes, kAlign);
  if (d->bytes != nullptr) d->memory.deallocate(d->bytes, d->capacity, kAlign);
  d->~Dictionary();
  memory_->deallocate(d, sizeof(Dictionary), alignof(Dictionary));
}

}  // namespace orchestrix::detail
