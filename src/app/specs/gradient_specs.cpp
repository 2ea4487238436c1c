#include "neurocma/app/specs/gradient_specs.hpp"

#include "neurocma/core/error.hpp"
#include "neurocma/train/gradient_method.hpp"

namespace neurocma {

using json = nlohmann::json;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

void unknown_param(const std::string& type, const std::string& param) {
  throw ConfigError("optimizer type '" + type + "': '" + param + "' is not a tunable parameter");
}

}  // namespace

TunableParam learning_rate_param() {
  TunableParam t;
  t.native = {"lr", 1e-4, 1.0, true, false};
  t.study = {"lr", 0.0, 30.0, false, false};
  return t;
}

SgdOptions SgdSpec::parse(Reader& r, const ModelInfo&) {
  SgdOptions o;
  o.lr = 0.01;
  o.lr = r.number("lr", o.lr, 0, true, kInf, false);
  o.momentum = r.number("momentum", o.momentum, 0, false, 1, true);
  o.dampening = r.number("dampening", o.dampening, 0, false, 1, false);
  o.weight_decay = r.number("weight_decay", o.weight_decay, 0, false, kInf, false);
  o.nesterov = r.boolean("nesterov", o.nesterov);
  if (o.nesterov && (o.momentum <= 0 || o.dampening != 0)) {
    r.fail("nesterov",
           "requires momentum > 0 and dampening = 0 (as torch.optim.SGD), got "
           "momentum " +
               fmt_num(o.momentum) + " and dampening " + fmt_num(o.dampening));
  }
  return o;
}

json SgdSpec::to_json(const SgdOptions& o) {
  return {{"lr", o.lr},
          {"momentum", o.momentum},
          {"dampening", o.dampening},
          {"weight_decay", o.weight_decay},
          {"nesterov", o.nesterov}};
}

std::vector<TunableParam> SgdSpec::tunables() {
  return {learning_rate_param()};
}

void SgdSpec::set_tuned(SgdOptions& o, const std::string& param, double value) {
  if (param != "lr") unknown_param(kType, param);
  o.lr = value;
}

// Parameters, gradient and momentum buffer.
MemoryNeed SgdSpec::memory(const SgdOptions&, const ModelInfo& model) {
  return {3 * 8 * static_cast<double>(model.num_params), "model.hidden",
          "the parameters and gradients of a " + model.shape + " model"};
}

std::unique_ptr<TrainingMethod> SgdSpec::make(const SgdOptions& o, const MethodContext& ctx) {
  return std::make_unique<GradientMethod>(ctx.mlp, std::make_unique<Sgd>(o));
}

AdamOptions AdamSpec::parse(Reader& r, const ModelInfo&) {
  AdamOptions o;
  o.lr = 0.01;
  o.lr = r.number("lr", o.lr, 0, true, kInf, false);
  o.beta1 = r.number("beta1", o.beta1, 0, false, 1, true);
  o.beta2 = r.number("beta2", o.beta2, 0, false, 1, true);
  o.eps = r.number("eps", o.eps, 0, true, kInf, false);
  o.weight_decay = r.number("weight_decay", o.weight_decay, 0, false, kInf, false);
  return o;
}

json AdamSpec::to_json(const AdamOptions& o) {
  return {{"lr", o.lr},
          {"beta1", o.beta1},
          {"beta2", o.beta2},
          {"eps", o.eps},
          {"weight_decay", o.weight_decay}};
}

std::vector<TunableParam> AdamSpec::tunables() {
  return {learning_rate_param()};
}

void AdamSpec::set_tuned(AdamOptions& o, const std::string& param, double value) {
  if (param != "lr") unknown_param(kType, param);
  o.lr = value;
}

// Parameters, gradient and the two moment estimates.
MemoryNeed AdamSpec::memory(const AdamOptions&, const ModelInfo& model) {
  return {4 * 8 * static_cast<double>(model.num_params), "model.hidden",
          "the parameters, gradients and moments of a " + model.shape + " model"};
}

std::unique_ptr<TrainingMethod> AdamSpec::make(const AdamOptions& o, const MethodContext& ctx) {
  return std::make_unique<GradientMethod>(ctx.mlp, std::make_unique<Adam>(o));
}

}  // namespace neurocma
