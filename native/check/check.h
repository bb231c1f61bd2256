// A small harness for the native checks (one program per op family, in the spirit of llm.c's dev/): each runs the
// family's kernels on deterministic inputs of awkward sizes against a reference without the JVM. Built as
// check_<family> (the CPU float kernels against the double-precision plain loops of src/cpu/loops.h) and, with the
// CUDA toolkit, check_<family>_cuda (the CUDA kernels against the CPU float kernels; exit code 77, "skipped" for
// ctest, where no device is usable). Run them with ctest in the build folder; mvn verify does.
#pragma once
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include <vector>

#include "hvae4j/hvae4j_cpu.h"
#ifdef HVAE4J_CHECK_CUDA
#include <cuda_runtime.h>

#include "hvae4j/hvae4j_cuda.h"
#endif

namespace check {

using F = std::vector<float>;
using D = std::vector<double>;

// n deterministic values in [lo, hi) (splitmix64).
inline F uniform(size_t n, double lo, double hi, uint64_t seed) {
  F v(n);
  for (size_t i = 0; i < n; ++i) {
    uint64_t z = (seed += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    v[i] = (float)(lo + (hi - lo) * (double)(z >> 11) / 9007199254740992.0);
  }
  return v;
}

inline D widen(const F& f) { return D(f.begin(), f.end()); }

// Pointer to the data of a vector, or null for an empty one (an optional input left out).
template <typename T>
T* ptr(std::vector<T>& v) {
  return v.empty() ? nullptr : v.data();
}

class Report {
 public:
  explicit Report(const char* family) : family_(family) {}

  void ok(const char* what, int status) {
    ++compared_;
    if (status != HVAE4J_OK) fail(what, "returned status %d", status);
  }

  // ||got - want|| / ||want|| <= tol (absolute when want is all zero).
  template <typename W>
  void close(const char* what, const F& got, const std::vector<W>& want, double tol) {
    ++compared_;
    if (got.size() != want.size()) return fail(what, "%zu values, expected %zu", got.size(), want.size());
    double d = 0, r = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      if (!isfinite(got[i]) && isfinite((double)want[i])) return fail(what, "value %zu is %g", i, (double)got[i]);
      d += ((double)got[i] - (double)want[i]) * ((double)got[i] - (double)want[i]);
      r += (double)want[i] * (double)want[i];
    }
    const double err = r > 0 ? sqrt(d / r) : sqrt(d);
    if (!(err <= tol)) fail(what, "relative error %.3g > %.3g", err, tol);
  }

  void same(const char* what, const F& got, const F& want) {
    ++compared_;
    for (size_t i = 0; i < got.size() && i < want.size(); ++i)
      if (got[i] != want[i]) return fail(what, "value %zu is %.9g, expected %.9g", i, got[i], want[i]);
    if (got.size() != want.size()) fail(what, "sizes differ");
  }

  void expect(const char* what, bool cond) {
    ++compared_;
    if (!cond) fail(what, "does not hold");
  }

  int done() const {
    printf("check %s: %d comparisons, %d failed\n", family_, compared_, failed_);
    return failed_ == 0 ? 0 : 1;
  }

 private:
  template <typename... A>
  void fail(const char* what, const char* fmt, A... args) {
    ++failed_;
    printf("FAIL %s: %s: ", family_, what);
    printf(fmt, args...);
    printf("\n");
  }

  const char* family_;
  int compared_ = 0, failed_ = 0;
};

#ifdef HVAE4J_CHECK_CUDA
// Device copies of host vectors, freed when the Gpu goes; down() copies back (synchronizing).
class Gpu {
 public:
  ~Gpu() {
    for (void* p : owned_) cudaFree(p);
  }

  template <typename T>
  T* up(const std::vector<T>& v) {
    if (v.empty()) return nullptr;
    T* d = nullptr;
    if (cudaMalloc((void**)&d, v.size() * sizeof(T)) != cudaSuccess) return nullptr;
    owned_.push_back(d);
    cudaMemcpy(d, v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice);
    return d;
  }

  template <typename T>
  T* zeros(size_t n) {
    return up(std::vector<T>(n, T(0)));
  }

  template <typename T>
  std::vector<T> down(const T* d, size_t n) {
    std::vector<T> v(n);
    cudaDeviceSynchronize();
    if (d) cudaMemcpy(v.data(), d, n * sizeof(T), cudaMemcpyDeviceToHost);
    return v;
  }

  void* stream() const { return nullptr; }  // the legacy default stream

 private:
  std::vector<void*> owned_;
};

// 77 ("skipped") where no CUDA device is usable.
inline bool no_device() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
    printf("skipped: no usable CUDA device\n");
    return true;
  }
  return false;
}
#endif

}  // namespace check

// main() of a family's check: check_cpu(), or check_cuda() in the CUDA build.
#ifdef HVAE4J_CHECK_CUDA
#define HVAE4J_CHECK_MAIN(family)          \
  int main() {                             \
    if (check::no_device()) return 77;     \
    check::Report report(family " (cuda)"); \
    check_cuda(report);                    \
    return report.done();                  \
  }
#else
#define HVAE4J_CHECK_MAIN(family)     \
  int main() {                        \
    check::Report report(family);     \
    check_cpu(report);                \
    return report.done();             \
  }
#endif
