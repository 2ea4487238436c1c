// Shared test helpers: bit-for-bit comparison of run results (every metric
// but wall time) and a small synthetic classification problem.
#pragma once
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "neurocma/core/rng.hpp"
#include "neurocma/io/results.hpp"
#include "neurocma/train/trainer.hpp"

namespace neurocma::testing_support {

inline bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof(double)) == 0;
}

// Every per-epoch and final metric, the evaluation counters, the stop reason
// and the final parameters must agree bit for bit; times may differ.
inline void expect_same_result(const RunResult& x, const RunResult& y, const std::string& what) {
  ASSERT_EQ(x.history.size(), y.history.size()) << what;
  for (size_t e = 0; e < x.history.size(); ++e) {
    const EpochRecord &p = x.history[e], &q = y.history[e];
    EXPECT_TRUE(same_bits(p.train_loss, q.train_loss) && same_bits(p.val_loss, q.val_loss) &&
                same_bits(p.train_acc, q.train_acc) && same_bits(p.val_acc, q.val_acc) &&
                same_bits(p.sigma, q.sigma) && same_bits(p.condition, q.condition) &&
                p.model_evals == q.model_evals && p.grad_evals == q.grad_evals)
        << what << ", epoch " << e + 1 << ": val_loss " << p.val_loss << " vs " << q.val_loss;
  }
  EXPECT_TRUE(same_bits(x.train_loss, y.train_loss) && same_bits(x.val_loss, y.val_loss)) << what;
  EXPECT_TRUE(same_bits(x.test_loss, y.test_loss)) << what << " test_loss";
  EXPECT_TRUE(same_bits(x.test_acc, y.test_acc)) << what << " test_acc";
  EXPECT_EQ(x.model_evals, y.model_evals) << what;
  EXPECT_EQ(x.grad_evals, y.grad_evals) << what;
  EXPECT_EQ(x.epochs, y.epochs) << what;
  EXPECT_EQ(x.best_epoch, y.best_epoch) << what;
  EXPECT_EQ(x.stop.text(), y.stop.text()) << what;
  ASSERT_EQ(x.final_params.size(), y.final_params.size()) << what;
  if (x.final_params.size() > 0) {  // memcmp of null pointers is undefined (UBSan)
    EXPECT_EQ(std::memcmp(x.final_params.data(), y.final_params.data(),
                          sizeof(double) * static_cast<size_t>(x.final_params.size())),
              0)
        << what << " final_params";
  }
}

// The same for two results files' records, matched by (optimizer, run).
inline void expect_same_records(const std::vector<RunRecord>& a, const std::vector<RunRecord>& b,
                                const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (const RunRecord& ra : a) {
    const std::string key = what + " " + ra.optimizer + "#" + std::to_string(ra.run_index);
    const RunRecord* rb = nullptr;
    for (const RunRecord& x : b)
      if (x.optimizer == ra.optimizer && x.run_index == ra.run_index) rb = &x;
    ASSERT_NE(rb, nullptr) << key << " missing";
    expect_same_result(ra.result, rb->result, key);
  }
}

// Three 2-D Gaussian blobs (one per class), train/val/test of the given sizes.
inline Splits blob_splits(std::uint64_t seed, double noise, Index train, Index val, Index test) {
  Rng rng(seed);
  auto make = [&](Index n) {
    Dataset d;
    d.name = "toy";
    d.num_classes = 3;
    d.X.resize(2, n);
    for (Index i = 0; i < n; ++i) {
      const int c = static_cast<int>(i % 3);
      d.y.push_back(c);
      d.X(0, i) = (c == 0 ? -2.0 : c == 1 ? 2.0 : 0.0) + noise * rng.normal();
      d.X(1, i) = (c == 2 ? 2.0 : -1.0) + noise * rng.normal();
    }
    return d;
  };
  Splits s;
  s.train = make(train);
  s.val = make(val);
  s.test = make(test);
  return s;
}

}  // namespace neurocma::testing_support
