// Blocks of standard normal deviates for CMA-ES sampling.
//
// Rng::normal() (Marsaglia's polar method, double precision, one draw at a
// time) costs about 10 ns per deviate; sampling lambda = 100 candidates at
// n = 6634 needs 663k deviates per generation, which made it the largest part
// of sep-CMA-ES's generation time. fill_normal() uses the Box-Muller transform
// on float32 with Eigen's vectorized log, sqrt, sin and cos instead. Its
// uniform bits come from eight xoshiro256++ generators run side by side
// (seeded by eight draws of the caller's Rng), since one scalar stream cost
// as much as the transform.
//
// Each 64-bit draw gives two 24-bit uniforms: u1 = (bits 40..63 + 1) / 2^24 in
// (0, 1] and u2 = bits 16..39 / 2^24 in [0, 1). Then
//   z1 = sqrt(-2 ln u1) cos(2 pi u2),  z2 = sqrt(-2 ln u1) sin(2 pi u2)
// (Box & Muller 1958). |z| <= sqrt(48 ln 2) = 5.77; the normal tail beyond
// that has probability 8e-9. The float results match the double-precision
// fill_normal_reference() of the same draws to about 1e-6 (tests/unit/test_normal.cpp);
// they are the same on every machine with the same SIMD instruction set.
#pragma once
#include "neurocma/core/rng.hpp"
#include "neurocma/core/types.hpp"

namespace neurocma {

// Writes n standard normal deviates to out. Takes exactly eight draws of rng
// (the lane seeds), whatever n.
void fill_normal(Rng& rng, double* out, Index n);
// The same deviates as floats (they are computed in float: no rounding).
void fill_normal(Rng& rng, float* out, Index n);

// The same transform of the same draws in double precision with std:: math
// (the reference fill_normal() is tested against).
void fill_normal_reference(Rng& rng, double* out, Index n);

}  // namespace neurocma
