#include "neurocma/train/gradient_method.hpp"

#include <string>

#include "neurocma/core/error.hpp"

namespace neurocma {

void GradientMethod::train_batch(Vector& params, const Batch& batch, Counters& counters) {
  gather_batch(batch, m_x, m_y);
  m_mlp.loss_and_gradient(params, m_x, m_y, m_grad);
  counters.model_evals += batch.count;
  counters.grad_evals += batch.count;
  counters.grad_steps += 1;
  m_opt->step(params, m_grad);
}

namespace {

std::vector<double> to_std(const Vector& v) {
  return std::vector<double>(v.data(), v.data() + v.size());
}

}  // namespace

StateMap GradientMethod::state() const {
  StateMap s;
  const std::vector<Vector> st = m_opt->state();
  for (size_t i = 0; i < st.size(); ++i) s["opt" + std::to_string(i)] = to_std(st[i]);
  return s;
}

void GradientMethod::set_state(const StateMap& s) {
  std::vector<Vector> st;
  for (size_t i = 0; s.count("opt" + std::to_string(i)) != 0; ++i) {
    const std::vector<double>& v = s.at("opt" + std::to_string(i));
    st.push_back(Eigen::Map<const Vector>(v.data(), static_cast<Index>(v.size())));
  }
  if (st.size() != s.size())
    throw RuntimeError("optimizer state: expected arrays opt0, opt1, ... for a gradient method");
  m_opt->set_state(st);
}

}  // namespace neurocma
