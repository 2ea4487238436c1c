// Basic numeric types shared by every module.
#pragma once
#include <Eigen/Dense>
#include <cstdint>

namespace neurocma {

using Index = Eigen::Index;
using Vector = Eigen::VectorXd;
using Matrix = Eigen::MatrixXd;  // column-major; a column is a sample or a candidate
using VectorF = Eigen::VectorXf;
using MatrixF = Eigen::MatrixXf;
using IntVector = Eigen::VectorXi;

}  // namespace neurocma
