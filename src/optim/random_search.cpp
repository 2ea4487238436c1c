#include "neurocma/optim/random_search.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "neurocma/core/error.hpp"

namespace neurocma {

RandomSearch::RandomSearch(const Eigen::Ref<const Vector>& mean0, const RandomSearchOptions& opt,
                           Rng rng)
    : m_opt(opt),
      m_incumbent(mean0),
      m_best_f(std::numeric_limits<double>::infinity()),
      m_rng(rng) {
  if (opt.popsize < 1)
    throw ConfigError("popsize: expected >= 1, got " + std::to_string(opt.popsize));
  if (!(opt.sigma0 > 0) || !std::isfinite(opt.sigma0))
    throw ConfigError("sigma0: expected a finite value > 0");
}

const GaussianRecipe* RandomSearch::ask_recipe() {
  m_recipe.seed = m_rng();
  m_recipe.sigma = m_opt.sigma0;
  m_recipe.lambda = m_opt.popsize;
  m_recipe.mirror_from = m_opt.popsize;  // no mirrors
  m_recipe.mean = m_incumbent;
  m_recipe.scale = Vector::Ones(dim());
  m_asked = true;
  return &m_recipe;
}

void RandomSearch::materialize(Index c0, Index c1, Eigen::Ref<Matrix> candidates) {
  if (!m_asked) throw RuntimeError("RandomSearch::materialize: called without ask_recipe()");
  Matrix z(dim(), c1 - c0);
  m_recipe.draw(c0, c1, z, candidates);
}

void RandomSearch::ask(Eigen::Ref<Matrix> candidates) {
  ask_recipe();
  materialize(0, popsize(), candidates);
}

void RandomSearch::tell(const Eigen::Ref<const Vector>& fitness) {
  if (!m_asked) throw RuntimeError("RandomSearch::tell: called without a preceding ask()");
  m_asked = false;
  Index best = -1;
  for (Index j = 0; j < fitness.size(); ++j)
    if (std::isfinite(fitness(j)) && (best < 0 || fitness(j) < fitness(best))) best = j;
  if (best >= 0 && fitness(best) < m_best_f) {
    // The candidate again from its recipe (any rank may have evaluated it).
    Vector z(dim());
    m_recipe.draw_z(best, z.data());
    m_incumbent = m_recipe.mean + m_recipe.sigma * z;
    m_best_f = fitness(best);
  }
  m_evals += fitness.size();
  ++m_gen;
}

Diagnostics RandomSearch::diagnostics() const {
  Diagnostics d;
  d.sigma = m_opt.sigma0;
  return d;
}

StateMap RandomSearch::state() const {
  StateMap s;
  s["incumbent"] = std::vector<double>(m_incumbent.data(), m_incumbent.data() + dim());
  s["best_f"] = {m_best_f};
  s["counters"] = {static_cast<double>(m_gen), static_cast<double>(m_evals)};
  std::vector<double> rw;  // Rng words as exact 32-bit halves
  for (std::uint64_t w : m_rng.state()) {
    rw.push_back(static_cast<double>(w >> 32));
    rw.push_back(static_cast<double>(w & 0xffffffffULL));
  }
  s["rng"] = rw;
  return s;
}

void RandomSearch::set_state(const StateMap& s) {
  auto get = [&](const std::string& key, std::size_t size) -> const std::vector<double>& {
    const auto it = s.find(key);
    if (it == s.end() || it->second.size() != size)
      throw RuntimeError("random search state: key '" + key + "' missing or of the wrong size");
    return it->second;
  };
  const std::vector<double>& x = get("incumbent", static_cast<std::size_t>(dim()));
  m_incumbent = Eigen::Map<const Vector>(x.data(), dim());
  m_best_f = get("best_f", 1)[0];
  const std::vector<double>& c = get("counters", 2);
  m_gen = static_cast<long long>(c[0]);
  m_evals = static_cast<long long>(c[1]);
  const std::vector<double>& rw = get("rng", 12);
  std::array<std::uint64_t, 6> r{};
  for (std::size_t i = 0; i < 6; ++i)
    r[i] =
        (static_cast<std::uint64_t>(rw[2 * i]) << 32) | static_cast<std::uint64_t>(rw[2 * i + 1]);
  m_rng.set_state(r);
  m_asked = false;
}

}  // namespace neurocma
