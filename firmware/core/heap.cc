#include "shakedown/core/heap.h"

#include <mbedtls/memory_buffer_alloc.h>

#if !defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C) || !defined(MBEDTLS_MEMORY_DEBUG)
#error "the platform delta must define MBEDTLS_MEMORY_BUFFER_ALLOC_C and MBEDTLS_MEMORY_DEBUG"
#endif

namespace shakedown::core {

void Heap::begin(size_t budget) {
  if (active_) end();
  budget_ = budget == 0 || budget > arena_.size() ? arena_.size() : budget;
  mbedtls_memory_buffer_alloc_init(arena_.data(), budget_);
  mbedtls_memory_buffer_alloc_max_reset();
  active_ = true;
}

void Heap::end() {
  if (!active_) return;
  mbedtls_memory_buffer_alloc_free();
  active_ = false;
}

size_t Heap::in_use() const {
  if (!active_) return 0;
  size_t used = 0, blocks = 0;
  mbedtls_memory_buffer_alloc_cur_get(&used, &blocks);
  return used;
}

size_t Heap::peak() const {
  if (!active_) return 0;
  size_t used = 0, blocks = 0;
  mbedtls_memory_buffer_alloc_max_get(&used, &blocks);
  return used;
}

}  // namespace shakedown::core
