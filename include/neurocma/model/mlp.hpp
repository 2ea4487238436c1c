// Multi-layer perceptron over one flat parameter vector.
//
// Parameter layout (PyTorch order, so weights can be compared with nn.Linear):
// for each layer, the weight W (out x in) stored row-major, then the bias (out).
// In Eigen terms the weight block is a column-major (in x out) matrix, W^T.
#pragma once
#include <string>
#include <vector>

#include "neurocma/core/peer_rng.hpp"
#include "neurocma/core/rng.hpp"
#include "neurocma/core/types.hpp"
#include "neurocma/model/loss.hpp"

namespace neurocma {

enum class Activation { kRelu, kTanh, kSigmoid };
Activation parse_activation(const std::string& name);  // throws ConfigError
std::string to_string(Activation a);

// One layer's place in the flat vector.
struct LayerView {
  Index in = 0, out = 0;
  Index offset = 0;       // first weight entry
  Index bias_offset = 0;  // first bias entry (= offset + in*out)
  Index size() const { return in * out + out; }
};

// A contiguous range of parameters optimized together (a CMA-ES block).
struct ParamBlock {
  Index begin = 0, size = 0;
};

struct MlpSpec {
  Index input = 0;
  std::vector<Index> hidden;  // hidden layer widths; default one layer
  Index output = 0;
  Activation activation = Activation::kRelu;
  Output output_kind = Output::kLogits;  // what the network returns; the loss is CE on it
  std::string shape_string() const;      // e.g. "196-32-10"
};

class Mlp {
 public:
  explicit Mlp(const MlpSpec& spec);

  const MlpSpec& spec() const { return m_spec; }
  const std::vector<LayerView>& layers() const { return m_layers; }
  Index num_params() const { return m_num_params; }
  // One block per layer (weights and bias).
  std::vector<ParamBlock> layer_blocks() const;
  // One block per parameter tensor: W1, b1, W2, b2, ...
  std::vector<ParamBlock> tensor_blocks() const;

  // PyTorch nn.Linear default: W and b ~ U(-1/sqrt(in), 1/sqrt(in)).
  Vector init(Rng& rng) const;
  // The same init drawn exactly as torch does it after torch.manual_seed
  // (kaiming_uniform_(a=sqrt(5)) of each weight, uniform_ of each bias, in
  // float32), from `gen`, which it advances.
  Vector init_torch(TorchGenerator& gen) const;

  // Logits (out x batch) for inputs X (in x batch).
  void forward(const Eigen::Ref<const Vector>& params, const Eigen::Ref<const Matrix>& X,
               Matrix& logits) const;

  // Mean cross-entropy of the output (spec().output) over the batch and its gradient (size n).
  double loss_and_gradient(const Eigen::Ref<const Vector>& params,
                           const Eigen::Ref<const Matrix>& X, const std::vector<int>& y,
                           Vector& grad) const;

 private:
  MlpSpec m_spec;
  std::vector<LayerView> m_layers;
  Index m_num_params = 0;
};

}  // namespace neurocma
