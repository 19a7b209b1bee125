#include "nas/bench.hpp"

#include <chrono>

#include "nas/adam.hpp"
#include "nas/device.hpp"
#include "nas/model.hpp"
#include "nas/trainer.hpp"

namespace nas {

BenchResult run_bench(const Architecture& arch, const torch::Device& device,
                      const BenchOptions& o) {
  using Clock = std::chrono::steady_clock;
  if (o.threads > 0) at::set_num_threads(o.threads);
  auto model = build_model(arch, o.input, o.classes, o.seed);
  model->to(device);
  if (o.channels_last) model->use_channels_last();
  auto gen = make_generator(device, o.seed);
  auto opts = torch::TensorOptions().device(device);
  auto x = torch::randn({o.batch_size, o.input.channels, o.input.height, o.input.width}, gen, opts);
  if (o.channels_last) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
  auto y = torch::randint(o.classes, {o.batch_size}, gen, opts.dtype(torch::kLong));
  Adam optimizer(model->parameters());

  BenchResult r;
  model->train();
  auto step = [&] {
    optimizer.zero_grad();
    torch::nn::functional::cross_entropy(model->forward(x), y).backward();
    optimizer.step();
  };
  for (int i = 0; i < o.warmup; ++i) step();
  synchronize(device);
  auto t0 = Clock::now();
  for (int i = 0; i < o.batches; ++i) step();
  synchronize(device);
  r.train_images_per_s =
      o.batches * o.batch_size / std::chrono::duration<double>(Clock::now() - t0).count();

  {
    torch::NoGradGuard no_grad;
    model->eval();
    for (int i = 0; i < o.warmup; ++i) model->forward(x);
    synchronize(device);
    t0 = Clock::now();
    for (int i = 0; i < o.batches; ++i) model->forward(x);
    synchronize(device);
    r.eval_images_per_s =
        o.batches * o.batch_size / std::chrono::duration<double>(Clock::now() - t0).count();
  }
  r.latency_ms =
      measure_latency_ms(model, o.input, device, o.latency_batch, o.warmup, 10, o.channels_last);
  return r;
}

}  // namespace nas
