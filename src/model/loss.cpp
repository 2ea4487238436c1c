#include "neurocma/model/loss.hpp"

#include <cmath>
#include <limits>

#include "neurocma/core/error.hpp"

namespace neurocma {

Output parse_output(const std::string& s) {
  if (s == "logits") return Output::kLogits;
  if (s == "softmax") return Output::kSoftmax;
  throw ConfigError("output '" + s + "': expected logits or softmax");
}

std::string to_string(Output o) {
  return o == Output::kSoftmax ? "softmax" : "logits";
}

double loss_lower_bound(Output output, int classes) {
  if (output == Output::kLogits) return 0.0;
  // Best case: p_y = 1 and the other probabilities 0, so the second softmax
  // gives e / (e + k - 1) to the label.
  return std::log(std::exp(1.0) + static_cast<double>(classes - 1)) - 1.0;
}

namespace {

// log(sum(exp(z))) of one column, shifted by its max so huge values stay finite.
double log_sum_exp(const double* z, Index k, Index& argmax) {
  double m = z[0];
  argmax = 0;
  for (Index r = 1; r < k; ++r) {
    if (z[r] > m) {
      m = z[r];
      argmax = r;
    }
  }
  double s = 0.0;
  for (Index r = 0; r < k; ++r) s += std::exp(z[r] - m);
  return m + std::log(s);
}

// The column that CrossEntropyLoss sees: the logits themselves, or their
// softmax (into `buf`). Returns log-sum-exp of that column and the argmax of
// the logits.
double loss_input(const Eigen::Ref<const Matrix>& logits, Index c, Output output, double* buf,
                  const double*& z, Index& argmax) {
  const Index k = logits.rows();
  if (output == Output::kLogits) {
    z = logits.col(c).data();
    return log_sum_exp(z, k, argmax);
  }
  const double lse = log_sum_exp(logits.col(c).data(), k, argmax);
  for (Index r = 0; r < k; ++r) buf[r] = std::exp(logits(r, c) - lse);
  z = buf;
  Index unused = 0;
  return log_sum_exp(buf, k, unused);
}

}  // namespace

LossAcc cross_entropy(const Eigen::Ref<const Matrix>& logits, const std::vector<int>& labels,
                      Output output) {
  const Index batch = logits.cols(), k = logits.rows();
  LossAcc out;
  if (batch == 0) return out;
  double total = 0.0;
  Index correct = 0;
  Vector buf(k);
  for (Index c = 0; c < batch; ++c) {
    if (!logits.col(c).allFinite()) {
      total = std::numeric_limits<double>::infinity();
      continue;
    }
    Index argmax = 0;
    const double* z = nullptr;
    const double lse = loss_input(logits, c, output, buf.data(), z, argmax);
    const int y = labels[static_cast<size_t>(c)];
    total += lse - z[y];
    if (argmax == y) ++correct;
  }
  out.loss = total / static_cast<double>(batch);
  out.accuracy = static_cast<double>(correct) / static_cast<double>(batch);
  return out;
}

double cross_entropy_grad(const Eigen::Ref<const Matrix>& logits, const std::vector<int>& labels,
                          Matrix& dlogits, Output output) {
  const Index k = logits.rows(), batch = logits.cols();
  dlogits.resize(k, batch);
  double total = 0.0;
  const double inv_b = 1.0 / static_cast<double>(batch);
  Vector buf(k), g(k);
  for (Index c = 0; c < batch; ++c) {
    Index argmax = 0;
    const double* z = nullptr;
    const double lse = loss_input(logits, c, output, buf.data(), z, argmax);
    const int y = labels[static_cast<size_t>(c)];
    total += lse - z[y];
    // d/dz of (lse(z) - z_y) is softmax(z) - onehot(y); the mean divides by batch.
    for (Index r = 0; r < k; ++r) g(r) = std::exp(z[r] - lse) * inv_b;
    g(y) -= inv_b;
    if (output == Output::kLogits) {
      dlogits.col(c) = g;
    } else {
      // Through p = softmax(logits): dL/dlogits = (diag(p) - p p^T) g.
      const Eigen::Map<const Vector> p(buf.data(), k);
      dlogits.col(c) = p.cwiseProduct(g) - p * p.dot(g);
    }
  }
  return total * inv_b;
}

}  // namespace neurocma
