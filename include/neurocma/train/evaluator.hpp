// The population-evaluation seam: a training method hands lambda candidate
// parameter vectors and a mini-batch to an evaluator, which returns their
// fitness. The serial evaluator lives in the core; the MPI one in parallel/.
#pragma once
#include <vector>

#include "neurocma/core/types.hpp"
#include "neurocma/data/dataset.hpp"
#include "neurocma/model/mlp.hpp"
#include "neurocma/optim/population.hpp"

namespace neurocma {

// A mini-batch: indices into a data set.
struct Batch {
  const Dataset* data = nullptr;
  const Index* index = nullptr;
  Index count = 0;
};

// Copies the batch's samples into X (features x count) and y, reusing their storage.
void gather_batch(const Batch& batch, Matrix& X, std::vector<int>& y);

// A generation whose candidates every rank can rebuild from its recipe (a
// strategy's shared sampling, PopulationOptimizer::ask_recipe()).
// materialize() draws columns [c0, c1) of it on the owning rank, into x
// (n x (c1 - c0)).
class SharedGeneration {
 public:
  virtual ~SharedGeneration() = default;
  virtual const GaussianRecipe& recipe() const = 0;
  virtual void materialize(Index c0, Index c1, Eigen::Ref<Matrix> x) = 0;
};

// A generation rebuilt from a received recipe (an MPI worker's share).
class RecipeGeneration : public SharedGeneration {
 public:
  explicit RecipeGeneration(const GaussianRecipe& recipe) : m_recipe(&recipe) {}
  const GaussianRecipe& recipe() const override { return *m_recipe; }
  void materialize(Index c0, Index c1, Eigen::Ref<Matrix> x) override {
    m_z.resize(m_recipe->mean.size(), c1 - c0);  // no-op at a steady width
    m_recipe->draw(c0, c1, m_z, x);
  }

 private:
  const GaussianRecipe* m_recipe;
  Matrix m_z;
};

// The SharedGeneration of a strategy with shared sampling: begin() starts
// its next generation (PopulationOptimizer::ask_recipe()) and says whether
// the strategy shares its samples at all.
class OptimizerGeneration : public SharedGeneration {
 public:
  explicit OptimizerGeneration(PopulationOptimizer& opt) : m_opt(&opt) {}
  bool begin() {
    m_recipe = m_opt->ask_recipe();
    return m_recipe != nullptr;
  }
  const GaussianRecipe& recipe() const override { return *m_recipe; }
  void materialize(Index c0, Index c1, Eigen::Ref<Matrix> x) override {
    m_opt->materialize(c0, c1, x);
  }

 private:
  PopulationOptimizer* m_opt;
  const GaussianRecipe* m_recipe = nullptr;
};

class PopulationEvaluator {
 public:
  virtual ~PopulationEvaluator() = default;
  // fitness(j) = mean cross-entropy of candidate column j (n x lambda) on the batch.
  virtual void evaluate(const Eigen::Ref<const Matrix>& candidates, const Batch& batch,
                        Eigen::Ref<Vector> fitness) = 0;
  // Evaluates every candidate of `generation` (fitness has recipe().lambda
  // entries). Same fitness values as materializing all and calling evaluate(),
  // which is what this default does; the MPI evaluator lets each rank draw its
  // own share instead.
  virtual void evaluate_shared(SharedGeneration& generation, const Batch& batch,
                               Eigen::Ref<Vector> fitness);
  // Columns [c0, c1) of `generation` (fitness has c1 - c0 entries): this
  // rank's share. The default materializes them into a matrix and calls
  // evaluate(); SerialEvaluator streams them instead.
  virtual void evaluate_columns(SharedGeneration& generation, Index c0, Index c1,
                                const Batch& batch, Eigen::Ref<Vector> fitness);

 private:
  Matrix m_shared_buffer;
};

// Plain reference: one forward pass per candidate in double precision.
void reference_population_fitness(const Mlp& mlp, const Eigen::Ref<const Matrix>& candidates,
                                  const Eigen::Ref<const Matrix>& X, const std::vector<int>& y,
                                  Eigen::Ref<Vector> fitness);

// Fast batched evaluation: the first layer of all candidates is one float32
// GEMM of the batch against the candidates' weight matrices laid side by side.
// Buffers are sized once (max popsize, max batch) and reused.
//
// Input features that are zero in every sample of the batch (MNIST's border
// pixels: about 43 of 196 per batch of 256) are left out of that GEMM. Their
// products are exact zeros, which leave a float sum unchanged: with at most
// 256 inputs (one k block of sgemm()) the fitness bits are those of the full
// product (tested), beyond that only the k-block split moves (rounding). The
// GEMM shrinks by the share of such features. A candidate whose skipped
// weights are not finite in float still gets the infinite fitness the full
// product would give it.
class BatchedMlpEvaluator {
 public:
  explicit BatchedMlpEvaluator(const Mlp& mlp);
  // candidates: n x lambda; X: in x batch; fitness: lambda.
  void evaluate(const Eigen::Ref<const Matrix>& candidates, const Eigen::Ref<const Matrix>& X,
                const std::vector<int>& y, Eigen::Ref<Vector> fitness);
  // Same on a Batch (gathers the columns into a reused buffer).
  void evaluate(const Eigen::Ref<const Matrix>& candidates, const Batch& batch,
                Eigen::Ref<Vector> fitness);

  // The same in steps, for candidates that are made one at a time (shared
  // sampling): begin() with the batch, load(j, x) for every j < lambda with x
  // the n parameters of candidate j (converted to float into the GEMM layout
  // at once, while x is still in cache), then evaluate_loaded().
  void begin(Index lambda, const Eigen::Ref<const Matrix>& X, const std::vector<int>& y);
  void begin(Index lambda, const Batch& batch);
  void load(Index j, const double* x);
  void evaluate_loaded(Eigen::Ref<Vector> fitness);

  // Floating-point operations of one evaluate() call (for GFLOP/s reports),
  // counting the whole first layer.
  double flops(Index popsize, Index batch) const;
  // Input features of the current batch that enter the first-layer GEMM.
  Index active_inputs() const { return static_cast<Index>(m_active.size()); }
  // Whether all-zero input features are skipped (default on; off keeps every
  // feature, for tests that compare the two).
  void skip_zero_inputs(bool on) { m_skip_zero = on; }

 private:
  void prepare(Index lambda, const Eigen::Ref<const Matrix>& X);
  // load() every column of candidates, then evaluate_loaded().
  void load_and_evaluate(const Eigen::Ref<const Matrix>& candidates, Eigen::Ref<Vector> fitness);

  const Mlp& m_mlp;
  MatrixF m_xt;                 // batch x active inputs (float, transposed input)
  std::vector<MatrixF> m_wt;    // per layer: in x (out*lambda), candidates side by side;
                                // layer 0 has the active inputs' rows only
  std::vector<MatrixF> m_act;   // per layer: batch x (out*lambda)
  std::vector<MatrixF> m_bias;  // per layer: out*lambda
  MatrixF m_ce;                 // batch x classes, exp of shifted logits
  VectorF m_rowmax, m_rowsum;
  Index m_lambda = 0;  // candidates of the current begin()
  bool m_skip_zero = true;
  std::vector<Index> m_active;       // input features with a nonzero value in the batch
  std::vector<Index> m_skipped;      // the others
  std::vector<unsigned char> m_bad;  // per candidate: a skipped weight is not finite
  Matrix m_xbuf;
  std::vector<int> m_labels;
};

// Serial PopulationEvaluator over BatchedMlpEvaluator.
class SerialEvaluator : public PopulationEvaluator {
 public:
  explicit SerialEvaluator(const Mlp& mlp) : m_fast(mlp) {}
  void evaluate(const Eigen::Ref<const Matrix>& candidates, const Batch& batch,
                Eigen::Ref<Vector> fitness) override {
    m_fast.evaluate(candidates, batch, fitness);
  }
  // Draws column by column into a cache-sized scratch vector and loads each
  // into the batched layout at once: the n x lambda double matrix of
  // candidates is never written or read back (same fitness bits).
  void evaluate_columns(SharedGeneration& generation, Index c0, Index c1, const Batch& batch,
                        Eigen::Ref<Vector> fitness) override;

 private:
  BatchedMlpEvaluator m_fast;
  Vector m_column;
};

}  // namespace neurocma
