// Internal: the ZSTD_customMem that makes zstd allocate from a memory_resource (each block
// carries a 16-byte prefix with its size; a failed allocation is reported to zstd as nullptr).
#pragma once

#include <memory_resource>

#ifndef ZSTD_STATIC_LINKING_ONLY
#define ZSTD_STATIC_LINKING_ONLY
#endif
#include <zstd.h>

namespace orchestrix::detail {

ZSTD_customMem zstd_memory(std::pmr::memory_resource* memory) noexcept;

}  // namespace orchestrix::detail
