// The population-optimizer seam: stop reasons and the shared Gaussian recipe.
#include "neurocma/optim/population.hpp"

#include "neurocma/core/error.hpp"
#include "neurocma/core/normal.hpp"
#include "neurocma/core/rng.hpp"

namespace neurocma {

std::string to_string(StopReason s) {
  switch (s) {
    case StopReason::kNone:
      return "none";
    case StopReason::kTolFun:
      return "tolfun";
    case StopReason::kTolX:
      return "tolx";
    case StopReason::kConditionCov:
      return "conditioncov";
    case StopReason::kMaxEvals:
      return "maxevals";
    case StopReason::kNoEffect:
      return "noeffect";
  }
  return "?";
}

void draw_column_normals(std::uint64_t seed, Index j, Index n, double* z) {
  Rng rng(seed, static_cast<std::uint64_t>(j), Stream::kOptimizer);
  fill_normal(rng, z, n);
}

void draw_column_normals(std::uint64_t seed, Index j, Index n, float* z) {
  Rng rng(seed, static_cast<std::uint64_t>(j), Stream::kOptimizer);
  fill_normal(rng, z, n);
}

void GaussianRecipe::draw_z(Index j, double* z) const {
  const Index n = mean.size();
  const bool mirrored = j >= mirror_from;
  draw_column_normals(seed, mirrored ? j - mirror_from : j, n, z);
  if (mirrored)
    for (Index i = 0; i < n; ++i) z[i] = -z[i];
}

void GaussianRecipe::draw(Index c0, Index c1, Eigen::Ref<Matrix> z, Eigen::Ref<Matrix> x) const {
  for (Index j = c0; j < c1; ++j) {
    const Index k = j - c0;
    draw_z(j, z.col(k).data());
    x.col(k) = sigma * scale.cwiseProduct(z.col(k)) + mean;  // eq. (40)
  }
}

void PopulationOptimizer::materialize(Index, Index, Eigen::Ref<Matrix>) {
  throw RuntimeError("this strategy has no shared sampling: materialize() without ask_recipe()");
}

}  // namespace neurocma
