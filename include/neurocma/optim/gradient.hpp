// First-order optimizers with PyTorch semantics (torch.optim.SGD, torch.optim.Adam).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "neurocma/core/types.hpp"

namespace neurocma {

class GradientOptimizer {
 public:
  virtual ~GradientOptimizer() = default;
  // One update of params (size n) from the mini-batch gradient (size n).
  virtual void step(Eigen::Ref<Vector> params, const Eigen::Ref<const Vector>& grad) = 0;
  // Internal state (momentum buffers, moments, step count) for checkpoints.
  virtual std::vector<Vector> state() const = 0;
  virtual void set_state(const std::vector<Vector>& s) = 0;
};

struct SgdOptions {
  double lr = 0.01;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
};

// torch.optim.SGD: g += wd*p; b = mu*b + (1-dampening)*g (b = g at the first
// step); g = nesterov ? g + mu*b : b; p -= lr*g.
class Sgd : public GradientOptimizer {
 public:
  explicit Sgd(const SgdOptions& opt) : m_opt(opt) {}
  void step(Eigen::Ref<Vector> params, const Eigen::Ref<const Vector>& grad) override;
  std::vector<Vector> state() const override;
  void set_state(const std::vector<Vector>& s) override;

 private:
  SgdOptions m_opt;
  Vector m_buf, m_g;
  bool m_started = false;
};

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // L2 added to the gradient, as torch.optim.Adam
};

// Kingma & Ba (2015), Algorithm 1, in torch.optim.Adam's form:
// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
// p -= lr / (1-b1^t) * m / (sqrt(v) / sqrt(1-b2^t) + eps).
class Adam : public GradientOptimizer {
 public:
  explicit Adam(const AdamOptions& opt) : m_opt(opt) {}
  void step(Eigen::Ref<Vector> params, const Eigen::Ref<const Vector>& grad) override;
  std::vector<Vector> state() const override;
  void set_state(const std::vector<Vector>& s) override;

 private:
  AdamOptions m_opt;
  Vector m_m, m_v;
  long long m_t = 0;
};

}  // namespace neurocma
