// Dataset helpers.
#include "neurocma/data/dataset.hpp"

#include <string>

#include "neurocma/core/error.hpp"

namespace neurocma {

Dataset Dataset::subset(const std::vector<Index>& idx) const {
  Dataset out;
  out.name = name;
  out.num_classes = num_classes;
  out.X.resize(X.rows(), static_cast<Index>(idx.size()));
  out.y.resize(idx.size());
  const Index n = size();
  for (std::size_t k = 0; k < idx.size(); ++k) {
    const Index i = idx[k];
    if (i < 0 || i >= n)
      throw RuntimeError("data set '" + name + "': sample index " + std::to_string(i) +
                         " out of range [0, " + std::to_string(n) + ")");
    out.X.col(static_cast<Index>(k)) = X.col(i);
    out.y[k] = y[static_cast<std::size_t>(i)];
  }
  return out;
}

}  // namespace neurocma
