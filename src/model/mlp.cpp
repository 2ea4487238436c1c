#include "neurocma/model/mlp.hpp"

#include <cmath>
#include <sstream>

#include "neurocma/core/error.hpp"
#include "neurocma/model/loss.hpp"

namespace neurocma {

Activation parse_activation(const std::string& name) {
  if (name == "relu") return Activation::kRelu;
  if (name == "tanh") return Activation::kTanh;
  if (name == "sigmoid") return Activation::kSigmoid;
  throw ConfigError("activation '" + name + "': expected relu, tanh or sigmoid");
}

std::string to_string(Activation a) {
  switch (a) {
    case Activation::kRelu:
      return "relu";
    case Activation::kTanh:
      return "tanh";
    case Activation::kSigmoid:
      return "sigmoid";
  }
  return "?";
}

std::string MlpSpec::shape_string() const {
  std::ostringstream s;
  s << input;
  for (Index h : hidden) s << '-' << h;
  s << '-' << output;
  return s.str();
}

Mlp::Mlp(const MlpSpec& spec) : m_spec(spec) {
  if (spec.input <= 0 || spec.output <= 0)
    throw ConfigError("model: input and output sizes must be > 0");
  Index in = spec.input, offset = 0;
  std::vector<Index> outs = spec.hidden;
  outs.push_back(spec.output);
  for (Index out : outs) {
    if (out <= 0) throw ConfigError("model.hidden: expected positive layer widths");
    LayerView l;
    l.in = in;
    l.out = out;
    l.offset = offset;
    l.bias_offset = offset + in * out;
    offset += l.size();
    m_layers.push_back(l);
    in = out;
  }
  m_num_params = offset;
}

std::vector<ParamBlock> Mlp::layer_blocks() const {
  std::vector<ParamBlock> blocks;
  for (const LayerView& l : m_layers) blocks.push_back({l.offset, l.size()});
  return blocks;
}

std::vector<ParamBlock> Mlp::tensor_blocks() const {
  std::vector<ParamBlock> blocks;
  for (const LayerView& l : m_layers) {
    blocks.push_back({l.offset, l.in * l.out});
    blocks.push_back({l.bias_offset, l.out});
  }
  return blocks;
}

Vector Mlp::init(Rng& rng) const {
  // nn.Linear.reset_parameters: kaiming_uniform_(a=sqrt(5)) gives the bound
  // sqrt(1/3) * sqrt(3/fan_in) = 1/sqrt(fan_in); the bias uses the same bound.
  Vector p(m_num_params);
  for (const LayerView& l : m_layers) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(l.in));
    for (Index i = 0; i < l.size(); ++i) p(l.offset + i) = rng.uniform(-bound, bound);
  }
  return p;
}

Vector Mlp::init_torch(TorchGenerator& gen) const {
  Vector p(m_num_params);
  for (const LayerView& l : m_layers) {
    const double fan_in = static_cast<double>(l.in);
    // torch.nn.init.kaiming_uniform_(w, a=math.sqrt(5)), in Python's doubles.
    const double a = std::sqrt(5.0);
    const double gain = std::sqrt(2.0 / (1.0 + a * a));
    const double wbound = std::sqrt(3.0) * (gain / std::sqrt(fan_in));
    for (Index i = 0; i < l.in * l.out; ++i)
      p(l.offset + i) = static_cast<double>(gen.uniform_float(-wbound, wbound));
    const double bbound = 1.0 / std::sqrt(fan_in);
    for (Index i = 0; i < l.out; ++i)
      p(l.bias_offset + i) = static_cast<double>(gen.uniform_float(-bbound, bbound));
  }
  return p;
}

namespace {

void activate(Activation a, Matrix& z) {
  switch (a) {
    case Activation::kRelu:
      z = z.cwiseMax(0.0);
      break;
    case Activation::kTanh:
      z = z.array().tanh().matrix();
      break;
    case Activation::kSigmoid:
      z = (1.0 / (1.0 + (-z.array()).exp())).matrix();
      break;
  }
}

// Multiplies da by the activation's derivative, given the activation output h.
void activation_backward(Activation a, const Matrix& h, Matrix& da) {
  switch (a) {
    case Activation::kRelu:
      da = (h.array() > 0.0).select(da, 0.0);
      break;
    case Activation::kTanh:
      da.array() *= 1.0 - h.array().square();
      break;
    case Activation::kSigmoid:
      da.array() *= h.array() * (1.0 - h.array());
      break;
  }
}

using ConstMap = Eigen::Map<const Matrix>;
using ConstVecMap = Eigen::Map<const Vector>;

}  // namespace

void Mlp::forward(const Eigen::Ref<const Vector>& params, const Eigen::Ref<const Matrix>& X,
                  Matrix& logits) const {
  Matrix a = X;
  for (size_t li = 0; li < m_layers.size(); ++li) {
    const LayerView& l = m_layers[li];
    const ConstMap wt(params.data() + l.offset, l.in, l.out);  // W^T
    const ConstVecMap b(params.data() + l.bias_offset, l.out);
    Matrix z = wt.transpose() * a;
    z.colwise() += b;
    if (li + 1 < m_layers.size()) activate(m_spec.activation, z);
    a.swap(z);
  }
  logits.swap(a);
}

double Mlp::loss_and_gradient(const Eigen::Ref<const Vector>& params,
                              const Eigen::Ref<const Matrix>& X, const std::vector<int>& y,
                              Vector& grad) const {
  const size_t L = m_layers.size();
  std::vector<Matrix> acts(L + 1);  // acts[0] = X, acts[l+1] = output of layer l
  acts[0] = X;
  for (size_t li = 0; li < L; ++li) {
    const LayerView& l = m_layers[li];
    const ConstMap wt(params.data() + l.offset, l.in, l.out);
    const ConstVecMap b(params.data() + l.bias_offset, l.out);
    acts[li + 1].noalias() = wt.transpose() * acts[li];
    acts[li + 1].colwise() += b;
    if (li + 1 < L) activate(m_spec.activation, acts[li + 1]);
  }
  grad.resize(m_num_params);
  Matrix delta;
  const double loss = cross_entropy_grad(acts[L], y, delta, m_spec.output_kind);
  for (size_t li = L; li-- > 0;) {
    const LayerView& l = m_layers[li];
    Eigen::Map<Matrix> gwt(grad.data() + l.offset, l.in, l.out);
    gwt.noalias() = acts[li] * delta.transpose();
    grad.segment(l.bias_offset, l.out) = delta.rowwise().sum();
    if (li > 0) {
      const ConstMap wt(params.data() + l.offset, l.in, l.out);
      Matrix da = wt * delta;
      activation_backward(m_spec.activation, acts[li], da);
      delta.swap(da);
    }
  }
  return loss;
}

}  // namespace neurocma
