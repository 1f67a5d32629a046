// Microbenchmarks of core/vmath.hpp against libm (std::exp, std::log,
// std::sin + std::cos) on arrays of 1024 values. items/s counts values (for
// sin and cos: one u, giving both). Speed is measured here, never asserted.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

#include "core/vmath.hpp"

namespace {

constexpr std::size_t kSize = 1024;

// kSize values uniform in [lo, hi) (fixed seed; <random>'s distributions are
// not used so the inputs are the same with every standard library).
std::vector<double> inputs(double lo, double hi) {
  std::mt19937_64 gen(42);
  std::vector<double> v(kSize);
  for (double& x : v) x = lo + (hi - lo) * (static_cast<double>(gen() >> 11) * 0x1p-53);
  return v;
}

void set_items(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kSize));
}

void BM_StdExp(benchmark::State& state) {
  const std::vector<double> in = inputs(-30, 30);
  std::vector<double> out(kSize);
  for (auto _ : state) {
    for (std::size_t i = 0; i < kSize; ++i) out[i] = std::exp(in[i]);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_items(state);
}
BENCHMARK(BM_StdExp);

void BM_VmathExp(benchmark::State& state) {
  const std::vector<double> in = inputs(-30, 30);
  std::vector<double> out(kSize);
  for (auto _ : state) {
    cw::vmath::exp(in.data(), out.data(), kSize);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_items(state);
}
BENCHMARK(BM_VmathExp);

// log over (0, 1), as in Box-Muller and exponential draws.
void BM_StdLog(benchmark::State& state) {
  const std::vector<double> in = inputs(0x1p-53, 1);
  std::vector<double> out(kSize);
  for (auto _ : state) {
    for (std::size_t i = 0; i < kSize; ++i) out[i] = std::log(in[i]);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_items(state);
}
BENCHMARK(BM_StdLog);

void BM_VmathLog(benchmark::State& state) {
  const std::vector<double> in = inputs(0x1p-53, 1);
  std::vector<double> out(kSize);
  for (auto _ : state) {
    cw::vmath::log(in.data(), out.data(), kSize);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_items(state);
}
BENCHMARK(BM_VmathLog);

void BM_StdSinCos(benchmark::State& state) {
  const std::vector<double> in = inputs(0, 1);
  std::vector<double> s(kSize);
  std::vector<double> c(kSize);
  for (auto _ : state) {
    for (std::size_t i = 0; i < kSize; ++i) {
      const double x = 2 * std::numbers::pi * in[i];
      s[i] = std::sin(x);
      c[i] = std::cos(x);
    }
    benchmark::DoNotOptimize(s.data());
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  set_items(state);
}
BENCHMARK(BM_StdSinCos);

// The loop vectorises (g++ 12 -O3 -march=x86-64-v2 -fopt-info-vec-optimized).
void BM_VmathSinCosTurns(benchmark::State& state) {
  const std::vector<double> in = inputs(0, 1);
  std::vector<double> s(kSize);
  std::vector<double> c(kSize);
  for (auto _ : state) {
    for (std::size_t i = 0; i < kSize; ++i) cw::vmath::sincos_turns(in[i], s[i], c[i]);
    benchmark::DoNotOptimize(s.data());
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  set_items(state);
}
BENCHMARK(BM_VmathSinCosTurns);

}  // namespace

BENCHMARK_MAIN();
