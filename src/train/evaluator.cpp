// Population evaluation: a plain reference and the batched float32 kernel.
#include "neurocma/train/evaluator.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "neurocma/core/error.hpp"
#include "neurocma/core/gemm.hpp"
#include "neurocma/model/loss.hpp"

namespace neurocma {

void gather_batch(const Batch& batch, Matrix& X, std::vector<int>& y) {
  const Dataset& d = *batch.data;
  if (X.rows() != d.features() || X.cols() != batch.count) X.resize(d.features(), batch.count);
  y.resize(static_cast<size_t>(batch.count));
  for (Index i = 0; i < batch.count; ++i) {
    X.col(i) = d.X.col(batch.index[i]);
    y[static_cast<size_t>(i)] = d.y[static_cast<size_t>(batch.index[i])];
  }
}

void reference_population_fitness(const Mlp& mlp, const Eigen::Ref<const Matrix>& candidates,
                                  const Eigen::Ref<const Matrix>& X, const std::vector<int>& y,
                                  Eigen::Ref<Vector> fitness) {
  Matrix logits;
  for (Index j = 0; j < candidates.cols(); ++j) {
    mlp.forward(candidates.col(j), X, logits);
    fitness(j) = cross_entropy(logits, y, mlp.spec().output_kind).loss;
  }
}

BatchedMlpEvaluator::BatchedMlpEvaluator(const Mlp& mlp) : m_mlp(mlp) {
  const size_t L = mlp.layers().size();
  m_wt.resize(L);
  m_act.resize(L);
  m_bias.resize(L);
}

double BatchedMlpEvaluator::flops(Index popsize, Index batch) const {
  double f = 0.0;
  for (const LayerView& l : m_mlp.layers())
    f += 2.0 * static_cast<double>(l.in * l.out) * static_cast<double>(batch * popsize);
  return f;
}

namespace {

// Resizes only when the shape changes, so steady-state calls do not allocate.
void ensure(MatrixF& m, Index rows, Index cols) {
  if (m.rows() != rows || m.cols() != cols) m.resize(rows, cols);
}

void activate(Activation a, Eigen::Ref<MatrixF> z) {
  switch (a) {
    case Activation::kRelu:
      z = z.cwiseMax(0.0f);
      break;
    case Activation::kTanh:
      z.array() = z.array().tanh();
      break;
    case Activation::kSigmoid:
      z.array() = 0.5f * ((0.5f * z.array()).tanh() + 1.0f);
      break;
  }
}

}  // namespace

void BatchedMlpEvaluator::begin(Index lambda, const Eigen::Ref<const Matrix>& X,
                                const std::vector<int>& y) {
  m_labels = y;
  prepare(lambda, X);
}

void BatchedMlpEvaluator::begin(Index lambda, const Batch& batch) {
  gather_batch(batch, m_xbuf, m_labels);
  prepare(lambda, m_xbuf);
}

void BatchedMlpEvaluator::prepare(Index lambda, const Eigen::Ref<const Matrix>& X) {
  m_lambda = lambda;
  const std::vector<LayerView>& layers = m_mlp.layers();
  const Index in = layers.front().in, batch = X.cols();
  if (X.rows() != in)
    throw RuntimeError("BatchedMlpEvaluator: the batch has " + std::to_string(X.rows()) +
                       " features, the model " + std::to_string(in) + " inputs");
  m_active.clear();
  m_skipped.clear();
  for (Index p = 0; p < in; ++p) {
    // NaN compares unequal to zero: a feature holding one stays in.
    const bool zero = m_skip_zero && (X.row(p).array() == 0.0).all();
    (zero ? m_skipped : m_active).push_back(p);
  }
  const Index k = active_inputs();
  ensure(m_xt, batch, k);
  for (Index a = 0; a < k; ++a) m_xt.col(a) = X.row(m_active[static_cast<size_t>(a)]).cast<float>();
  for (size_t li = 0; li < layers.size(); ++li) {
    const LayerView& l = layers[li];
    ensure(m_wt[li], li == 0 ? k : l.in, l.out * lambda);
    ensure(m_bias[li], 1, l.out * lambda);
  }
  m_bad.assign(static_cast<size_t>(lambda), 0);
}

void BatchedMlpEvaluator::load(Index j, const double* x) {
  // Candidate j's W^T block (in x out, column-major in x) is one contiguous
  // run of the side-by-side matrix, and its bias a run of the bias row.
  for (size_t li = 0; li < m_mlp.layers().size(); ++li) {
    const LayerView& l = m_mlp.layers()[li];
    const double* src = x + l.offset;
    if (li == 0 && !m_skipped.empty()) {
      const Index k = active_inputs();
      float* w = m_wt[0].data() + j * k * l.out;
      bool finite = true;
      for (Index o = 0; o < l.out; ++o) {
        const double* col = src + o * l.in;
        for (Index a = 0; a < k; ++a)
          w[o * k + a] = static_cast<float>(col[m_active[static_cast<size_t>(a)]]);
        for (const Index p : m_skipped)
          finite = finite && std::isfinite(static_cast<float>(col[p]));
      }
      if (!finite) m_bad[static_cast<size_t>(j)] = 1;
    } else {
      float* w = m_wt[li].data() + j * l.in * l.out;
      for (Index i = 0; i < l.in * l.out; ++i) w[i] = static_cast<float>(src[i]);
    }
    float* b = m_bias[li].data() + j * l.out;
    for (Index i = 0; i < l.out; ++i) b[i] = static_cast<float>(x[l.bias_offset + i]);
  }
}

void BatchedMlpEvaluator::evaluate(const Eigen::Ref<const Matrix>& candidates,
                                   const Eigen::Ref<const Matrix>& X, const std::vector<int>& y,
                                   Eigen::Ref<Vector> fitness) {
  begin(candidates.cols(), X, y);
  load_and_evaluate(candidates, fitness);
}

void BatchedMlpEvaluator::load_and_evaluate(const Eigen::Ref<const Matrix>& candidates,
                                            Eigen::Ref<Vector> fitness) {
  for (Index j = 0; j < candidates.cols(); ++j) load(j, candidates.col(j).data());
  evaluate_loaded(fitness);
}

void BatchedMlpEvaluator::evaluate_loaded(Eigen::Ref<Vector> fitness) {
  const Index lambda = m_lambda;
  const Index batch = m_xt.rows();
  const std::vector<int>& y = m_labels;
  const std::vector<LayerView>& layers = m_mlp.layers();
  const size_t L = layers.size();
  const Activation act = m_mlp.spec().activation;
  const Output output = m_mlp.spec().output_kind;

  for (size_t li = 0; li < L; ++li) {
    const LayerView& l = layers[li];
    ensure(m_act[li], batch, l.out * lambda);
    const bool hidden = li + 1 < L;
    if (li == 0) {
      // The whole population's first layer is one GEMM: (batch x active) *
      // (active x out*lambda), in the packed sgemm() (core/gemm.hpp), with the
      // bias (and relu) applied to each tile as it is stored.
      const bool fuse_relu = hidden && act == Activation::kRelu;
      sgemm(m_xt, m_wt[0], false, 0.0f, m_act[0], 0, SgemmEpilogue{m_bias[0].data(), fuse_relu});
      if (hidden && !fuse_relu) activate(act, m_act[0]);
      continue;
    }
    const MatrixF& prev = m_act[li - 1];
    for (Index j = 0; j < lambda; ++j) {
      m_act[li].middleCols(j * l.out, l.out).noalias() =
          prev.middleCols(j * l.in, l.in) * m_wt[li].middleCols(j * l.out, l.out);
    }
    m_act[li].rowwise() += m_bias[li].row(0);
    if (hidden) activate(act, m_act[li]);
  }

  // Softmax cross-entropy per candidate: vectorised float log-sum-exp per
  // sample, summed over the batch in double.
  const MatrixF& logits = m_act[L - 1];
  const Index k = layers.back().out;
  ensure(m_ce, batch, k);
  if (m_rowmax.size() != batch) {
    m_rowmax.resize(batch);
    m_rowsum.resize(batch);
  }
  for (Index j = 0; j < lambda; ++j) {
    const auto block = logits.middleCols(j * k, k);
    // Column by column over contiguous float arrays, so that exp() takes
    // Eigen's SIMD path (the broadcast expression fell back to scalar expf).
    m_rowmax = block.col(0);
    for (Index c = 1; c < k; ++c) m_rowmax = m_rowmax.cwiseMax(block.col(c));
    m_rowsum.setZero();
    for (Index c = 0; c < k; ++c) {
      m_ce.col(c).array() = (block.col(c) - m_rowmax).array().exp();
      m_rowsum += m_ce.col(c);
    }
    double total = 0.0;
    if (output == Output::kLogits) {
      for (Index i = 0; i < batch; ++i) {
        total += static_cast<double>(m_rowmax(i)) + std::log(static_cast<double>(m_rowsum(i))) -
                 static_cast<double>(block(i, y[static_cast<size_t>(i)]));
      }
    } else {
      // The study's softmax output p: CrossEntropyLoss then takes
      // log(sum(exp(p))) - p_y; p is in [0, 1], so no shift is needed.
      m_rowmax.setZero();  // now the second sum
      for (Index c = 0; c < k; ++c) {
        m_ce.col(c).array() /= m_rowsum.array();
        m_rowmax.array() += m_ce.col(c).array().exp();
      }
      for (Index i = 0; i < batch; ++i) {
        total += std::log(static_cast<double>(m_rowmax(i))) -
                 static_cast<double>(m_ce(i, y[static_cast<size_t>(i)]));
      }
    }
    const double f = total / static_cast<double>(batch);
    fitness(j) = std::isfinite(f) && m_bad[static_cast<size_t>(j)] == 0
                     ? f
                     : std::numeric_limits<double>::infinity();
  }
}

void BatchedMlpEvaluator::evaluate(const Eigen::Ref<const Matrix>& candidates, const Batch& batch,
                                   Eigen::Ref<Vector> fitness) {
  begin(candidates.cols(), batch);
  load_and_evaluate(candidates, fitness);
}

void SerialEvaluator::evaluate_columns(SharedGeneration& generation, Index c0, Index c1,
                                       const Batch& batch, Eigen::Ref<Vector> fitness) {
  const Index n = generation.recipe().mean.size();
  if (m_column.size() != n) m_column.resize(n);
  m_fast.begin(c1 - c0, batch);
  for (Index j = c0; j < c1; ++j) {
    Eigen::Map<Matrix> x(m_column.data(), n, 1);
    generation.materialize(j, j + 1, x);
    m_fast.load(j - c0, m_column.data());
  }
  m_fast.evaluate_loaded(fitness);
}

void PopulationEvaluator::evaluate_shared(SharedGeneration& generation, const Batch& batch,
                                          Eigen::Ref<Vector> fitness) {
  evaluate_columns(generation, 0, generation.recipe().lambda, batch, fitness);
}

void PopulationEvaluator::evaluate_columns(SharedGeneration& generation, Index c0, Index c1,
                                           const Batch& batch, Eigen::Ref<Vector> fitness) {
  m_shared_buffer.resize(generation.recipe().mean.size(), c1 - c0);  // no-op at a steady width
  generation.materialize(c0, c1, m_shared_buffer);
  evaluate(m_shared_buffer, batch, fitness);
}

}  // namespace neurocma
