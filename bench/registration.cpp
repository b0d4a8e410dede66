#include "registration.hpp"

#include <cstdlib>

namespace orchestrix::bench {

benchmark::internal::Benchmark* configure(benchmark::internal::Benchmark* b) {
  if (const char* n = std::getenv("ORCHESTRIX_BENCH_ITERATIONS"); n != nullptr) {
    const long long iterations = std::atoll(n);
    if (iterations > 0) b->Iterations(static_cast<benchmark::IterationCount>(iterations));
  }
  return b;
}

}  // namespace orchestrix::bench
