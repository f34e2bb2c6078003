// FusedAdam (train/fused_adam.h) against LibTorch's Adam: the same trajectory for the same
// gradients, and interchangeable optimiser state.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sstream>

#include "astrom3/common/error.h"
#include "astrom3/train/fused_adam.h"
#include "astrom3/train/optimizer.h"

using astrom3::train::FusedAdam;

namespace {

std::vector<torch::Tensor> make_parameters() {
  torch::manual_seed(3);
  return {torch::randn({37, 11}).requires_grad_(), torch::randn({5}).requires_grad_(),
          torch::randn({300}).requires_grad_()};
}

void set_gradients(std::vector<torch::Tensor>& params, int step) {
  torch::manual_seed(100 + step);
  for (auto& p : params) p.mutable_grad() = torch::randn_like(p) * (1.0 + step);
}

torch::optim::AdamOptions options() {
  return torch::optim::AdamOptions(3e-3).betas({0.926, 0.999}).eps(1e-8).weight_decay(4.7e-3);
}

// One step of each optimiser with the same gradients for step `step`.
void step_both(torch::optim::Optimizer& first, std::vector<torch::Tensor>& first_params,
               torch::optim::Optimizer& second, std::vector<torch::Tensor>& second_params,
               int step) {
  set_gradients(first_params, step);
  set_gradients(second_params, step);
  first.step();
  second.step();
}

void expect_close(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-5, 1e-6)) << "parameter " << i;
  }
}

}  // namespace

TEST(FusedAdam, FollowsLibTorchAdamForTheSameGradients) {
  auto a = make_parameters();
  auto b = make_parameters();
  torch::optim::Adam reference(a, options());
  FusedAdam fused(b, options());
  for (int step = 0; step < 20; ++step) step_both(reference, a, fused, b, step);
  expect_close(a, b);
}

TEST(FusedAdam, StateIsLibTorchsAndLoadsEitherWay) {
  auto a = make_parameters();
  FusedAdam fused(a, options());
  for (int step = 0; step < 3; ++step) {
    set_gradients(a, step);
    fused.step();
  }
  std::stringstream buffer;
  torch::serialize::OutputArchive out;
  fused.save(out);
  out.save_to(buffer);

  // A copy of the parameters continues under LibTorch's Adam with the fused state.
  std::vector<torch::Tensor> copy;
  for (const auto& p : a) copy.push_back(p.detach().clone().requires_grad_());
  torch::optim::Adam reference(copy, options());
  torch::serialize::InputArchive in;
  in.load_from(buffer);
  reference.load(in);
  step_both(reference, copy, fused, a, 3);
  expect_close(a, copy);
}

TEST(FusedAdam, SkipsParametersWithoutGradients) {
  auto a = make_parameters();
  const auto before = a[1].detach().clone();
  FusedAdam fused(a, options());
  set_gradients(a, 0);
  a[1].mutable_grad() = torch::Tensor();
  fused.step();
  EXPECT_TRUE(torch::equal(a[1], before));
  EXPECT_FALSE(torch::equal(a[0].detach(), make_parameters()[0].detach()));
}

namespace astrom3::train {
namespace {

// What a LibTorch 2.x build makes of an archive that LibTorch 1.x wrote: parameters mapped onto
// other parameters' moments. Loading must refuse it instead of stepping out of bounds.
TEST(OptimizerState, MomentsOfAnotherParametersShapeAreRefusedNamingTheFile) {
  for (const auto kind : {OptimizerKind::kAdam, OptimizerKind::kAdamW}) {
    torch::manual_seed(1);
    torch::nn::Linear linear(3, 2);
    TrainOptions o;
    o.optimizer = kind;
    auto optimizer = make_optimizer(*linear, o);
    linear(torch::randn({4, 3})).sum().backward();
    optimizer->step();
    EXPECT_NO_THROW(check_optimizer_state(*optimizer, "opt.pt"));

    auto& state = optimizer->state();
    using Key = std::decay_t<decltype(state)>::key_type;
    const auto weight = optimizer_state_key<Key>(linear->weight.unsafeGetTensorImpl());
    const auto bias = optimizer_state_key<Key>(linear->bias.unsafeGetTensorImpl());
    ASSERT_TRUE(state.count(weight) && state.count(bias));
    state[weight] = state.at(bias)->clone();
    try {
      check_optimizer_state(*optimizer, "opt.pt");
      FAIL() << "moments of the bias's shape passed for the weight";
    } catch (const DataError& e) {
      EXPECT_NE(std::string(e.what()).find("opt.pt: the optimiser state does not fit the model "
                                           "(parameter 1 has shape [2, 3] but moments of shape "
                                           "[2])"),
                std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace astrom3::train
