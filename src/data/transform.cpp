// Image downscaling by block averaging and per-feature standardisation.
//
// Why averaging: for an integer factor f, bilinear resizing without corner
// alignment (align_corners=False, no antialias) samples the source at
// x = f*i + (f-1)/2; for f = 2 that is the midpoint of pixels 2i and 2i+1, so
// its weights are exactly the 2x2 block mean (checked against torch in
// tests/unit/test_data.cpp with tests/scripts/gen_pool_ref.py).
#include "neurocma/data/transform.hpp"

#include <cmath>
#include <string>

#include "neurocma/core/error.hpp"

namespace neurocma {

Matrix average_pool(const Matrix& images, int side, int factor) {
  if (side <= 0 || factor <= 0)
    throw ConfigError("average_pool: side " + std::to_string(side) + " and factor " +
                      std::to_string(factor) + " must be positive");
  if (side % factor != 0)
    throw ConfigError("pool factor " + std::to_string(factor) + " does not divide image side " +
                      std::to_string(side));
  const Index pixels = static_cast<Index>(side) * side;
  if (images.rows() != pixels)
    throw RuntimeError("average_pool: images have " + std::to_string(images.rows()) +
                       " rows, expected side*side = " + std::to_string(pixels));
  if (factor == 1) return images;
  const int out_side = side / factor;
  const double inv_area = 1.0 / (static_cast<double>(factor) * factor);
  Matrix out(static_cast<Index>(out_side) * out_side, images.cols());
  for (Index c = 0; c < images.cols(); ++c) {
    const double* src = images.col(c).data();
    double* dst = out.col(c).data();
    for (int oi = 0; oi < out_side; ++oi) {
      for (int oj = 0; oj < out_side; ++oj) {
        double sum = 0.0;
        for (int di = 0; di < factor; ++di) {
          const double* row = src + static_cast<Index>(oi * factor + di) * side + oj * factor;
          for (int dj = 0; dj < factor; ++dj) sum += row[dj];
        }
        dst[oi * out_side + oj] = sum * inv_area;
      }
    }
  }
  return out;
}

Standardizer Standardizer::fit(const Matrix& X) {
  if (X.cols() == 0) throw RuntimeError("Standardizer::fit: empty data set");
  Standardizer s;
  s.mean = X.rowwise().mean();
  const Matrix centred = X.colwise() - s.mean;
  // Population standard deviation (divide by n), as sklearn's StandardScaler.
  s.stddev = (centred.array().square().rowwise().sum() / static_cast<double>(X.cols())).sqrt();
  return s;
}

void Standardizer::apply(Matrix& X) const {
  if (X.rows() != mean.size())
    throw RuntimeError("Standardizer::apply: data has " + std::to_string(X.rows()) +
                       " features, fitted on " + std::to_string(mean.size()));
  X.colwise() -= mean;
  for (Index r = 0; r < X.rows(); ++r) {
    const double s = stddev(r);
    // Constant features (e.g. MNIST border pixels) stay centred instead of dividing by 0.
    if (s > 1e-12) X.row(r) /= s;
  }
}

}  // namespace neurocma
