// Cross-entropy on the model's output, as torch.nn.CrossEntropyLoss computes it:
// log-softmax of the output, computed stably with log-sum-exp.
//
// The output is either the logits (the correct loss) or, as in the earlier
// study's model, softmax(logits): CrossEntropyLoss then applies a second
// softmax, so the loss is the cross-entropy of softmax(softmax(logits)). That
// loss is bounded: with k classes it never goes below log(e + k - 1) - 1
// (1.461 for 10 classes, 0.551 for 3). docs/training.md.
#pragma once
#include <string>
#include <vector>

#include "neurocma/core/types.hpp"

namespace neurocma {

// What the network returns; accuracy is the argmax either way.
enum class Output { kLogits, kSoftmax };
Output parse_output(const std::string& s);  // "logits" | "softmax"; throws ConfigError
std::string to_string(Output o);

struct LossAcc {
  double loss = 0.0;      // mean cross-entropy
  double accuracy = 0.0;  // fraction of argmax == label
};

// logits: classes x batch, labels: batch entries in [0, classes).
// Returns the mean loss and accuracy. A non-finite logit gives loss = +inf.
LossAcc cross_entropy(const Eigen::Ref<const Matrix>& logits, const std::vector<int>& labels,
                      Output output = Output::kLogits);

// Same, also writing d(mean loss)/d(logits) into dlogits (classes x batch).
double cross_entropy_grad(const Eigen::Ref<const Matrix>& logits, const std::vector<int>& labels,
                          Matrix& dlogits, Output output = Output::kLogits);

// The lowest value the loss can take with `classes` classes: 0 for logits,
// log(e + classes - 1) - 1 for a softmax output.
double loss_lower_bound(Output output, int classes);

}  // namespace neurocma
