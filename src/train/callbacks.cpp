#include "neurocma/train/callbacks.hpp"

#include <cmath>

#include "neurocma/train/trainer.hpp"

namespace neurocma {

bool EarlyStopping::update(double val_loss) {
  // An epoch improves when it beats the best so far by more than min_delta.
  m_improved = val_loss < m_best - m_min_delta;
  if (m_improved) {
    m_best = val_loss;
    m_bad = 0;
  } else {
    ++m_bad;
  }
  return m_bad >= m_patience;
}

void EarlyStopping::epoch_end(int, const EpochRecord& rec, EpochVerdict& verdict) {
  // A non-finite validation loss never improves.
  verdict.converged =
      update(std::isfinite(rec.val_loss) ? rec.val_loss : std::numeric_limits<double>::infinity());
  verdict.improved = improved();
}

void EarlyStopping::store(TrainState& st) const {
  st.stop_best = m_best;
  st.stop_bad = m_bad;
}

void EarlyStopping::restore(const TrainState& st) {
  set(st.stop_best, st.stop_bad);
}

}  // namespace neurocma
