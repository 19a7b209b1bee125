#include "nas/torch/batch_loader.hpp"

#include "nas/core/common/random.hpp"
#include "nas/torch/device.hpp"

namespace nas {

BatchLoader::BatchLoader(const DataBundle& data, const torch::Device& device, std::uint64_t seed)
    : data_(data), device_(device), seed_(seed), generator_(make_generator(device, seed)) {
  train_images_ = data.train.images.to(device);
  train_labels_ = data.train.labels.to(device);
  eval_images_ = data.eval.images.to(device);
  eval_labels_ = data.eval.labels.to(device);
  const auto c = static_cast<std::int64_t>(data.mean.size());
  mean_ = torch::tensor(data.mean).view({1, c, 1, 1}).to(device) * 255.0f;
  inv_std_ = (1.0f / (torch::tensor(data.std) * 255.0f)).view({1, c, 1, 1}).to(device);
}

void BatchLoader::start_epoch(int epoch) {
  generator_ = make_generator(device_, mix_seed(seed_, static_cast<std::uint64_t>(epoch)));
  permutation_ = torch::randperm(train_images_.size(0), generator_,
                                 torch::TensorOptions().dtype(torch::kLong).device(device_));
}

std::int64_t BatchLoader::train_batch_count(int batch_size) const {
  const std::int64_t n = train_images_.size(0);
  // A last batch of one image cannot be trained: BatchNorm needs two values per channel once a
  // network pools down to 1x1. Drop it (the next epoch's shuffle uses that image).
  if (n % batch_size == 1 && n > 1) return n / batch_size;
  return (n + batch_size - 1) / batch_size;
}

std::pair<torch::Tensor, torch::Tensor> BatchLoader::train_batch(std::int64_t i, int batch_size) {
  auto idx = permutation_.slice(0, i * batch_size, (i + 1) * batch_size);
  return {augment(train_images_.index_select(0, idx), generator_),
          train_labels_.index_select(0, idx)};
}

std::int64_t BatchLoader::eval_batch_count(int batch_size) const {
  return (eval_images_.size(0) + batch_size - 1) / batch_size;
}

std::pair<torch::Tensor, torch::Tensor> BatchLoader::eval_batch(std::int64_t i,
                                                                int batch_size) const {
  return {normalize(eval_images_.slice(0, i * batch_size, (i + 1) * batch_size)),
          eval_labels_.slice(0, i * batch_size, (i + 1) * batch_size)};
}

torch::Tensor BatchLoader::normalize(const torch::Tensor& images_u8) const {
  return (images_u8.to(torch::kFloat) - mean_) * inv_std_;
}

torch::Tensor BatchLoader::augment(const torch::Tensor& images_u8, at::Generator& gen) const {
  const auto b = images_u8.size(0), c = images_u8.size(1), h = images_u8.size(2),
             w = images_u8.size(3);
  const int p = data_.pad;
  // Zero padding happens on raw pixels, as torchvision's RandomCrop(padding=4) before Normalize.
  auto padded = torch::constant_pad_nd(images_u8, {p, p, p, p}, 0).to(torch::kFloat);
  const auto pw = w + 2 * p;
  auto opts = torch::TensorOptions().dtype(torch::kLong).device(device_);
  auto oy = torch::randint(2 * p + 1, {b, 1, 1}, gen, opts);
  auto ox = torch::randint(2 * p + 1, {b, 1, 1}, gen, opts);
  auto rows = oy + torch::arange(h, opts).view({1, h, 1});
  auto cols = ox + torch::arange(w, opts).view({1, 1, w});
  auto flat_idx = (rows * pw + cols).view({b, 1, h * w}).expand({b, c, h * w});
  auto out = padded.view({b, c, -1}).gather(2, flat_idx).view({b, c, h, w});
  if (data_.flip) {
    auto flip = torch::rand({b, 1, 1, 1}, gen, torch::TensorOptions().device(device_)) < 0.5;
    out = torch::where(flip, out.flip({3}), out);
  }
  return (out - mean_) * inv_std_;
}

}  // namespace nas
