// Which data set and how it is split and scaled: the `dataset` block of a
// config (docs/config.md), as the data loader takes it.
#pragma once
#include <string>

#include "neurocma/core/types.hpp"

namespace neurocma {

// How the data set is split (docs/data.md).
enum class SplitKind {
  kOfficial,  // the image set's 10k test file is the test set; val_size training samples held out
  kRatio,     // the training file split by the three ratios
  kSklearn,   // the earlier study's split: sklearn's train_test_split, index for index
};
SplitKind parse_split(const std::string& s);  // official | ratio | sklearn; ConfigError
std::string to_string(SplitKind s);

// Where the standardization is fitted.
enum class StandardizeOn { kTrain, kAll };

struct DatasetConfig {
  std::string name = "iris";  // iris | mnist | fashion-mnist
  std::string data_dir;       // optional override (also --data-dir)
  int pool = 2;               // image downscaling factor (1 = none)
  bool standardize = false;   // zero mean, unit variance per feature
  // Fitted on the training split only, or on every sample before the split
  // (the earlier study's way).
  StandardizeOn standardize_on = StandardizeOn::kTrain;
  SplitKind split = SplitKind::kOfficial;  // the default for iris is kRatio
  double train_ratio = 0.6, val_ratio = 0.2, test_ratio = 0.2;
  // kRatio split of an image set: stratified by class or a plain random
  // split. Iris is always stratified, kSklearn too.
  bool stratify = false;
  Index val_size = 10000;
  Index limit = 0;  // use only the first `limit` training samples (0 = all); for smoke tests
};

}  // namespace neurocma
