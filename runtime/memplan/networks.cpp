#include "runtime/memplan/networks.hpp"

#include <fmt/format.h>

#include "runtime/memplan/trace_builder.hpp"

namespace hycim::memplan {

namespace {

constexpr std::uint64_t kF = 4;  // fp32

// ReLU-output sparsity by relative depth in [0, 1].
double relu_sparsity(double depth) {
  return 0.5 + 0.35 * depth;
}

struct Feature {
  int id;
  std::uint64_t c, h, w;
};

// Convolution (+BN, +ReLU when `relu`) with a k x k kernel.
Feature conv(TraceBuilder& b, const std::string& name, const Feature& x, std::uint64_t cout,
             std::uint64_t k, std::uint64_t stride, bool relu, double depth, int batch) {
  const std::uint64_t h = (x.h + stride - 1) / stride, w = (x.w + stride - 1) / stride;
  const double flops = 2.0 * batch * h * w * cout * x.c * k * k;
  const std::uint64_t out = batch * h * w * cout * kF;
  const int id =
      b.layer(name, {x.id}, x.c * cout * k * k * kF, flops, out, relu ? relu_sparsity(depth) : 0.0);
  return {id, cout, h, w};
}

Feature pool(TraceBuilder& b, const std::string& name, const Feature& x, std::uint64_t stride,
             double depth, int batch) {
  const std::uint64_t h = x.h / stride, w = x.w / stride;
  const std::uint64_t out = batch * h * w * x.c * kF;
  const int id = b.layer(name, {x.id}, 0, 0, out, 0.7 * relu_sparsity(depth));
  return {id, x.c, h, w};
}

int fc(TraceBuilder& b, const std::string& name, int x, std::uint64_t in, std::uint64_t out,
       bool relu, double depth, std::uint64_t rows) {
  return b.layer(name, {x}, in * out * kF, 2.0 * rows * in * out, rows * out * kF,
                 relu ? relu_sparsity(depth) : 0.0);
}

int vgg16(TraceBuilder& b, const std::string& p, int batch) {
  const int cfg[] = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0};
  Feature x{b.input(p + "image", batch * 3ull * 224 * 224 * kF), 3, 224, 224};
  int conv_i = 0, pool_i = 0;
  for (std::size_t i = 0; i < std::size(cfg); ++i) {
    const double depth = static_cast<double>(i) / std::size(cfg);
    if (cfg[i] == 0)
      x = pool(b, fmt::format("{}pool{}", p, ++pool_i), x, 2, depth, batch);
    else
      x = conv(b, fmt::format("{}conv{}", p, ++conv_i), x, cfg[i], 3, 1, true, depth, batch);
  }
  int y = fc(b, p + "fc6", x.id, 512 * 7 * 7, 4096, true, 0.95, batch);
  y = fc(b, p + "fc7", y, 4096, 4096, true, 1.0, batch);
  return fc(b, p + "fc8", y, 4096, 1000, false, 1.0, batch);
}

Feature bottleneck(TraceBuilder& b, const std::string& n, const Feature& x, std::uint64_t width,
                   std::uint64_t stride, double depth, int batch) {
  Feature a = conv(b, n + ".conv1", x, width, 1, 1, true, depth, batch);
  a = conv(b, n + ".conv2", a, width, 3, stride, true, depth, batch);
  a = conv(b, n + ".conv3", a, width * 4, 1, 1, false, depth, batch);
  Feature sc = x;
  if (stride != 1 || x.c != width * 4)
    sc = conv(b, n + ".down", x, width * 4, 1, stride, false, depth, batch);
  const std::uint64_t bytes = batch * a.h * a.w * a.c * kF;
  const int id = b.layer(n + ".add", {a.id, sc.id}, 0, 0, bytes, relu_sparsity(depth));
  return {id, a.c, a.h, a.w};
}

int resnet50(TraceBuilder& b, const std::string& p, int batch) {
  Feature x{b.input(p + "image", batch * 3ull * 224 * 224 * kF), 3, 224, 224};
  x = conv(b, p + "conv1", x, 64, 7, 2, true, 0.0, batch);
  x = pool(b, p + "pool1", x, 2, 0.0, batch);
  const int blocks[] = {3, 4, 6, 3};
  int done = 0;
  for (int s = 0; s < 4; ++s)
    for (int i = 0; i < blocks[s]; ++i, ++done) {
      const std::uint64_t stride = (i == 0 && s > 0) ? 2 : 1;
      x = bottleneck(b, fmt::format("{}layer{}.{}", p, s + 1, i), x, 64ull << s, stride,
                     done / 16.0, batch);
    }
  const std::uint64_t pooled = batch * x.c * kF;
  const int avg = b.layer(p + "avgpool", {x.id}, 0, 0, pooled, 0.3);
  return fc(b, p + "fc", avg, x.c, 1000, false, 1.0, batch);
}

int bert_base(TraceBuilder& b, const std::string& p, int batch) {
  const std::uint64_t S = 128, H = 768, A = 12, F = 3072, rows = batch * S;
  const std::uint64_t act = rows * H * kF, att = batch * A * S * S * kF;
  int x = b.input(p + "tokens", rows * 8);
  x = b.layer(p + "embed", {x}, (30522 + 512 + 2) * H * kF, 0, act, 0.0);
  for (int l = 0; l < 12; ++l) {
    const std::string n = fmt::format("{}layer{}", p, l);
    const int qkv = b.layer(n + ".qkv", {x}, 3 * H * H * kF, 2.0 * rows * H * 3 * H, 3 * act, 0);
    const int sc = b.layer(n + ".scores", {qkv}, 0, 2.0 * batch * S * S * H, att, 0);
    const int pr = b.layer(n + ".softmax", {sc}, 0, 0, att, 0);
    const int ctx = b.layer(n + ".context", {pr, qkv}, 0, 2.0 * batch * S * S * H, act, 0);
    const int o = b.layer(n + ".proj", {ctx}, H * H * kF, 2.0 * rows * H * H, act, 0);
    const int ln1 = b.layer(n + ".ln1", {o, x}, 2 * H * kF, 0, act, 0);
    const int f1 = b.layer(n + ".ffn1", {ln1}, H * F * kF, 2.0 * rows * H * F, rows * F * kF, 0);
    const int g = b.layer(n + ".gelu", {f1}, 0, 0, rows * F * kF, 0.02);
    const int f2 = b.layer(n + ".ffn2", {g}, F * H * kF, 2.0 * rows * H * F, act, 0);
    x = b.layer(n + ".ln2", {f2, ln1}, 2 * H * kF, 0, act, 0);
  }
  const int pooled = fc(b, p + "pooler", x, H, H, false, 1.0, batch);
  return fc(b, p + "classifier", pooled, H, 2, false, 1.0, batch);
}

using NetFn = int (*)(TraceBuilder&, const std::string&, int);

NetFn find(const std::string& name) {
  if (name == "vgg16") return vgg16;
  if (name == "resnet50") return resnet50;
  if (name == "bert-base") return bert_base;
  throw MemplanError(
      fmt::format("network: unknown network '{}' (known: vgg16, resnet50, bert-base)", name));
}

void check_batch(int batch) {
  if (batch < 1) throw MemplanError(fmt::format("network: batch {} must be at least 1", batch));
}

}  // namespace

std::vector<std::string> network_names() {
  return {"vgg16", "resnet50", "bert-base"};
}

Trace make_network(const std::string& name, int batch, const Hardware& hw) {
  NetFn fn = find(name);
  check_batch(batch);
  TraceBuilder b(name, batch, hw);
  return b.finish(fn(b, "", batch));
}

Trace make_distillation(const std::string& student, const std::string& teacher, int batch,
                        const Hardware& hw) {
  NetFn s = find(student), t = find(teacher);
  check_batch(batch);
  TraceBuilder b(student + "<-" + teacher, batch, hw);
  b.set_inference(true);
  const int teacher_logits = t(b, "teacher.", batch);
  b.set_inference(false);
  return b.finish(s(b, "", batch), {teacher_logits});
}

}  // namespace hycim::memplan
