// LM-MA-ES sampling transform (Loshchilov, Glasmachers & Beyer 2017, [LGB]
// Alg. 1 lines 6-8): each candidate direction d = z goes through
//   d <- (1 - c_d,j) d + c_d,j v_j (v_j^T d),   j = 0 .. used-1,
// i.e. d = F_{used-1} ... F_0 z with F_j = a_j I + c_j v_j v_j^T.
//
// Applied one direction at a time that is 4 n used flops per candidate, each
// a pass over d that cannot become a matrix product. The product of the F_j
// has a compact form, like the compact WY form of Householder products:
//   F_{k-1} ... F_0 = alpha_k I + V_k T_k V_k^T,
// with V_k = [v_0 .. v_{k-1}], alpha_{k+1} = a_k alpha_k and the lower
// triangular T_{k+1} = [[a_k T_k, 0], [c_k g^T T_k, c_k alpha_k]], where
// g = V_k^T v_k (from the Gram matrix). Then Y = alpha Z + V (T (V^T Z)): two
// GEMMs (n x used x lambda) for the whole population, plus O(n used^2) for the
// Gram matrix. Same product, different rounding: tests/unit/test_lm_transform.cpp
// checks it against the sequential form.
#pragma once
#include "neurocma/core/types.hpp"

namespace neurocma {

struct LmProduct {
  double alpha = 1.0;
  Matrix T;  // used x used, lower triangular
};

// The compact form of F_{used-1} ... F_0 for directions V(:, 0:used) and
// weights c = cd(0:used).
LmProduct lm_product(const Matrix& V, const Vector& cd, Index used);
// The same from the Gram matrix G = V^T V (used x used; only its upper
// triangle is read), for callers that form G another way (in float).
LmProduct lm_product_from_gram(const Matrix& G, const Vector& cd, Index used);

// Y <- F_{used-1} ... F_0 Y one direction at a time: the reference.
void lm_transform_reference(Eigen::Ref<Matrix> Y, const Matrix& V, const Vector& cd, Index used);

}  // namespace neurocma
