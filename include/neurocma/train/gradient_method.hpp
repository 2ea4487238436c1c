// Gradient descent on the MLP's loss with any GradientOptimizer (SGD, Adam).
#pragma once
#include <memory>
#include <vector>

#include "neurocma/model/mlp.hpp"
#include "neurocma/optim/gradient.hpp"
#include "neurocma/train/method.hpp"

namespace neurocma {

class GradientMethod : public TrainingMethod {
 public:
  GradientMethod(const Mlp& mlp, std::unique_ptr<GradientOptimizer> opt)
      : m_mlp(mlp), m_opt(std::move(opt)) {}
  void train_batch(Vector& params, const Batch& batch, Counters& counters) override;
  bool gradient_based() const override { return true; }
  StateMap state() const override;
  void set_state(const StateMap& s) override;
  GradientOptimizer& optimizer() { return *m_opt; }

 private:
  const Mlp& m_mlp;
  std::unique_ptr<GradientOptimizer> m_opt;
  Matrix m_x;
  std::vector<int> m_y;
  Vector m_grad;
};

}  // namespace neurocma
