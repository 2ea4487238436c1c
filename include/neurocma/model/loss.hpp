// Softmax cross-entropy on logits, computed stably with log-sum-exp.
#pragma once
#include <vector>

#include "neurocma/core/types.hpp"

namespace neurocma {

struct LossAcc {
  double loss = 0.0;      // mean cross-entropy
  double accuracy = 0.0;  // fraction of argmax == label
};

// logits: classes x batch, labels: batch entries in [0, classes).
// Returns the mean loss and accuracy. A non-finite logit gives loss = +inf.
LossAcc cross_entropy(const Eigen::Ref<const Matrix>& logits, const std::vector<int>& labels);

// Same, also writing d(mean loss)/d(logits) into dlogits (classes x batch).
double cross_entropy_grad(const Eigen::Ref<const Matrix>& logits, const std::vector<int>& labels,
                          Matrix& dlogits);

}  // namespace neurocma
