#include "neurocma/model/loss.hpp"

#include <cmath>
#include <limits>

namespace neurocma {
namespace {

// log(sum(exp(z))) for one column, shifted by its max so huge logits stay finite.
double log_sum_exp(const Eigen::Ref<const Matrix>& logits, Index col, Index& argmax) {
  const Index k = logits.rows();
  double m = logits(0, col);
  argmax = 0;
  for (Index r = 1; r < k; ++r) {
    if (logits(r, col) > m) {
      m = logits(r, col);
      argmax = r;
    }
  }
  double s = 0.0;
  for (Index r = 0; r < k; ++r) s += std::exp(logits(r, col) - m);
  return m + std::log(s);
}

}  // namespace

LossAcc cross_entropy(const Eigen::Ref<const Matrix>& logits, const std::vector<int>& labels) {
  const Index batch = logits.cols();
  LossAcc out;
  if (batch == 0) return out;
  double total = 0.0;
  Index correct = 0;
  for (Index c = 0; c < batch; ++c) {
    if (!logits.col(c).allFinite()) {
      total = std::numeric_limits<double>::infinity();
      continue;
    }
    Index argmax = 0;
    const double lse = log_sum_exp(logits, c, argmax);
    total += lse - logits(labels[static_cast<size_t>(c)], c);
    if (argmax == labels[static_cast<size_t>(c)]) ++correct;
  }
  out.loss = total / static_cast<double>(batch);
  out.accuracy = static_cast<double>(correct) / static_cast<double>(batch);
  return out;
}

double cross_entropy_grad(const Eigen::Ref<const Matrix>& logits, const std::vector<int>& labels,
                          Matrix& dlogits) {
  const Index k = logits.rows(), batch = logits.cols();
  dlogits.resize(k, batch);
  double total = 0.0;
  const double inv_b = 1.0 / static_cast<double>(batch);
  for (Index c = 0; c < batch; ++c) {
    Index argmax = 0;
    const double lse = log_sum_exp(logits, c, argmax);
    const int y = labels[static_cast<size_t>(c)];
    total += lse - logits(y, c);
    // d/dz of (lse - z_y) is softmax(z) - onehot(y); the mean divides by batch.
    for (Index r = 0; r < k; ++r) dlogits(r, c) = std::exp(logits(r, c) - lse) * inv_b;
    dlogits(y, c) -= inv_b;
  }
  return total * inv_b;
}

}  // namespace neurocma
