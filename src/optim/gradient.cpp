// SGD and Adam with torch.optim semantics. Adam: Kingma & Ba (2015),
// "Adam: A Method for Stochastic Optimization", Algorithm 1, with PyTorch's
// placement of eps (after the square root of the bias-corrected v).
#include <cmath>

#include "neurocma/core/error.hpp"
#include "neurocma/optim/gradient.hpp"

namespace neurocma {

void Sgd::step(Eigen::Ref<Vector> params, const Eigen::Ref<const Vector>& grad) {
  m_g = grad;
  if (m_opt.weight_decay != 0.0) m_g += m_opt.weight_decay * params;
  if (m_opt.momentum != 0.0) {
    if (!m_started) {
      m_buf = m_g;  // torch: the buffer starts as a copy of the first gradient
    } else {
      m_buf = m_opt.momentum * m_buf + (1.0 - m_opt.dampening) * m_g;
    }
    if (m_opt.nesterov) {
      m_g += m_opt.momentum * m_buf;
    } else {
      m_g = m_buf;
    }
  }
  m_started = true;
  params -= m_opt.lr * m_g;
}

std::vector<Vector> Sgd::state() const {
  Vector started(1);
  started(0) = m_started ? 1.0 : 0.0;
  return {m_buf, started};
}

void Sgd::set_state(const std::vector<Vector>& s) {
  if (s.size() != 2 || s[1].size() != 1) throw RuntimeError("SGD state: expected 2 arrays");
  m_buf = s[0];
  m_started = s[1](0) != 0.0;
}

void Adam::step(Eigen::Ref<Vector> params, const Eigen::Ref<const Vector>& grad) {
  if (m_t == 0) {
    m_m = Vector::Zero(params.size());
    m_v = Vector::Zero(params.size());
  }
  ++m_t;
  const double b1 = m_opt.beta1, b2 = m_opt.beta2;
  const double bc1 = 1.0 - std::pow(b1, static_cast<double>(m_t));
  const double bc2 = 1.0 - std::pow(b2, static_cast<double>(m_t));
  const double step_size = m_opt.lr / bc1;
  const double sqrt_bc2 = std::sqrt(bc2);
  const double wd = m_opt.weight_decay;
  const Index n = params.size();
  for (Index i = 0; i < n; ++i) {
    const double g = grad(i) + (wd != 0.0 ? wd * params(i) : 0.0);
    m_m(i) = b1 * m_m(i) + (1.0 - b1) * g;
    m_v(i) = b2 * m_v(i) + (1.0 - b2) * g * g;
    params(i) -= step_size * m_m(i) / (std::sqrt(m_v(i)) / sqrt_bc2 + m_opt.eps);
  }
}

std::vector<Vector> Adam::state() const {
  Vector t(1);
  t(0) = static_cast<double>(m_t);
  return {m_m, m_v, t};
}

void Adam::set_state(const std::vector<Vector>& s) {
  if (s.size() != 3 || s[2].size() != 1) throw RuntimeError("Adam state: expected 3 arrays");
  m_m = s[0];
  m_v = s[1];
  m_t = static_cast<long long>(s[2](0));
}

}  // namespace neurocma
