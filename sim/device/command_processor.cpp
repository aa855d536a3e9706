#include "sim/device/command_processor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "sim/device/command_check.hpp"
#include "sim/device/device_error.hpp"
#include "sim/device/dma_window.hpp"
#include "sim/device/tile_factory.hpp"

namespace hycim::device {
namespace {

namespace sd = spec::device;
using sd::DevOpcode;
using sd::DevStatus;

Capabilities capabilities(const DeviceConfig& c, bool persistent) {
  return {c.tiles, tile::named_config(c.tile_config),
          (c.tile_kind == TileKind::kRtl ? sd::cap_flags::kRtlTiles : 0u) |
              (persistent ? sd::cap_flags::kPersistentNvm : 0u)};
}

// An image keeps the fault setup it was created with: a device opened on it
// takes that one, and one asking for another is refused rather than given a
// different fault map than the rows were programmed under.
std::optional<FaultConfig> faults_of_image(const std::optional<FaultConfig>& asked,
                                           const nvm::NvmImage& image) {
  std::optional<nvm::FaultSetup> stored;
  try {
    stored = nvm::from_record(image.fault_record());
  } catch (const std::invalid_argument& e) {
    throw DeviceError(fmt::format("NVM image {}: {}", image.path().string(), e.what()));
  }
  if (!stored && !asked) return std::nullopt;
  if (!stored && asked->model_ref.empty())
    throw DeviceError(
        fmt::format("NVM image {} has no fault model and device.faults names none (faults.model)",
                    image.path().string()));
  if (!stored)
    throw DeviceError(fmt::format(
        "NVM image {} was created without a fault model; device.faults asks for {}: create a "
        "new image for a device with faults",
        image.path().string(), asked->setup.model.name));
  if (asked && !asked->model_ref.empty() && nvm::to_record(asked->setup) != image.fault_record())
    throw DeviceError(fmt::format(
        "NVM image {} was created with faults {} (seed {}, ecc {}); device.faults asks for {} "
        "(seed {}, ecc {}): the image keeps its own",
        image.path().string(), stored->model.name, stored->seed, nvm::to_string(stored->ecc),
        asked->setup.model.name, asked->setup.seed, nvm::to_string(asked->setup.ecc)));
  if (stored->spare_rows != image.geometry().spare_rows)
    throw DeviceError(fmt::format(
        "NVM image {}: its fault record says {} spare rows per tile, its geometry {}: damaged",
        image.path().string(), stored->spare_rows, image.geometry().spare_rows));
  FaultConfig f = asked ? *asked : FaultConfig{};
  if (f.model_ref.empty()) f.model_ref = stored->model.name;
  f.setup = *stored;
  return f;
}

}  // namespace

CommandProcessor::CommandProcessor(const DeviceConfig& config)
    : config_((config.validate(), config)),
      tile_cfg_(tile::named_config(config_.tile_config)),
      regfile_(capabilities(config_, !config_.nvm_image.empty())),
      stats_(config_.tiles, config_.timing.period_ns()) {
  if (!config_.nvm_image.empty()) {
    // A config naming a fault model says what a new image holds; one that
    // names none takes the image's record and spare rows as they are.
    const bool named = config_.faults && !config_.faults->model_ref.empty();
    nvm_ = std::make_unique<NvmBacking>(
        config_.nvm_image, config_.tiles, tile_cfg_,
        named ? nvm::to_record(config_.faults->setup) : std::string(),
        named ? std::optional(config_.faults->setup.spare_rows) : std::nullopt);
    config_.faults = faults_of_image(config_.faults, nvm_->image());
  }
  if (config_.faults && config_.faults->model_ref.empty())
    throw DeviceError("device.faults: no model given and no NVM image to take one from");
  if (config_.faults)
    cells_ = std::make_unique<NvmCells>(*config_.faults, tile_cfg_, config_.tiles, nvm_.get());
  tiles_.reserve(config_.tiles);
  runners_.reserve(config_.tiles);
  for (uint32_t i = 0; i < config_.tiles; ++i) {
    const std::string trace = config_.trace.empty() ? std::string()
                              : i == 0              ? config_.trace.string()
                                       : config_.trace.string() + "." + std::to_string(i);
    tiles_.push_back(make_tile(config_.tile_kind, tile_cfg_, trace));
    if (nvm_) nvm_->restore(i, *tiles_.back());
    if (cells_) cells_->power_on(i, *tiles_.back());
    runners_.emplace_back(i, *tiles_.back(), config_.timing, nvm_.get(), cells_.get());
  }
  if (cells_ && config_.faults->age_s > 0 && config_.faults->scrub_interval_s > 0) age_powered();
}

namespace {

// The host during powered ageing: none. The ageing's time is the cells'
// clock (NvmCells::advance); the scrubs' own cycles are not device time.
class AgeingPort final : public DevicePort {
 public:
  DevStatus dma_read(uint64_t, std::span<uint8_t>) override { return DevStatus::kDmaError; }
  DevStatus dma_write(uint64_t, std::span<const uint8_t>) override { return DevStatus::kDmaError; }
  double now_ns() const override { return 0; }
  void wait_ns(double) override {}
};

}  // namespace

// The device ran powered and idle for age_s at age_temp_c, its background
// scrub going over every tile each scrub_interval_s: each step ages the
// cells by one interval, then every tile is scrubbed. The age is stored once
// at the end; rows the scrubs programmed meanwhile are already in the image.
void CommandProcessor::age_powered() {
  const FaultConfig& f = *config_.faults;
  AgeingPort port;
  for (double left = f.age_s; left > 0; left -= f.scrub_interval_s) {
    cells_->advance(std::min(left, f.scrub_interval_s), f.age_temp_c);
    for (uint32_t i = 0; i < config_.tiles; ++i)
      stats_.record_background(i, runners_[i].scrub(0, tile_cfg_.nvm_rows, port).work);
  }
  cells_->save_age();
}

CommandProcessor::~CommandProcessor() = default;

std::vector<Job> CommandProcessor::fetch(DevicePort& port) {
  const uint32_t head = regfile_.head(), size = regfile_.queue_size();
  const uint32_t n = std::min({(regfile_.tail() - head) & (size - 1), size - head, kFetchBurst});
  const uint64_t addr = regfile_.queue_base() + uint64_t{head} * sizeof(sd::CommandRecord);
  std::vector<uint8_t> raw(size_t{n} * sizeof(sd::CommandRecord));
  const bool ok = window_allows(regfile_.windows(), {addr, raw.size(), sd::win_ctrl::kRead}) &&
                  port.dma_read(addr, raw) == DevStatus::kOk;
  if (!ok) {
    ring_fault(addr);
    return {};
  }
  stats_.add_ring_dma(raw.size(), double(raw.size()) * config_.timing.energy_pj.dma_byte);
  std::vector<Job> jobs(n);
  for (uint32_t i = 0; i < n; ++i) {
    jobs[i].ring_index = (head + i) & (size - 1);
    std::memcpy(&jobs[i].record, &raw[size_t{i} * sizeof jobs[i].record], sizeof jobs[i].record);
  }
  return jobs;
}

std::optional<Outcome> CommandProcessor::admit(const Job& job) const {
  const DevStatus st = check_record(job.record, tile_cfg_, config_.tiles);
  if (st != DevStatus::kOk) return Outcome{st, 0, {}, {}};
  for (const HostRange& r : host_ranges(job.record, tile_cfg_))
    if (!window_allows(regfile_.windows(), r)) return Outcome{DevStatus::kDmaFault, r.addr, {}, {}};
  const auto op = static_cast<DevOpcode>(job.record.opcode);
  if (op == DevOpcode::kNop || op == DevOpcode::kFence) return Outcome{};
  return std::nullopt;
}

Outcome CommandProcessor::execute(const Job& job, DevicePort& port) {
  return runners_.at(job.record.tile).run(job.record, port);
}

bool CommandProcessor::complete(const Job& job, const Outcome& outcome, DevicePort& port) {
  const sd::CommandRecord& c = job.record;
  sd::CompletionRecord rec{c.seq, static_cast<uint16_t>(outcome.status), c.opcode,
                           sd::completion_flags::kDone, outcome.work.cycles};
  const uint64_t addr = regfile_.completion_base() + uint64_t{job.ring_index} * sizeof rec;
  uint8_t raw[sizeof rec];
  std::memcpy(raw, &rec, sizeof rec);
  if (outcome.status != DevStatus::kOk)
    regfile_.log_error(outcome.status, c.seq, outcome.fault_addr);
  const bool ok = window_allows(regfile_.windows(), {addr, sizeof rec, sd::win_ctrl::kWrite}) &&
                  port.dma_write(addr, raw) == DevStatus::kOk;
  if (ok) {
    stats_.add_ring_dma(sizeof rec, sizeof rec * config_.timing.energy_pj.dma_byte);
    regfile_.count_completion();
    regfile_.raise(sd::irq::kCompletion);
  }
  stats_.record({job.ring_index, c.seq, static_cast<DevOpcode>(c.opcode), c.tile, outcome.status,
                 job.started_ns, port.now_ns(), outcome.work});
  if (c.tile < config_.tiles) stats_.record_background(c.tile, outcome.background);
  if (!ok) ring_fault(addr);
  return ok;
}

void CommandProcessor::ring_fault(uint64_t addr) {
  regfile_.log_error(DevStatus::kRingFault, 0, addr);
  regfile_.set_halted(true);
}

void CommandProcessor::reset() {
  regfile_.reset();
  const std::vector<uint8_t> zero(tile_cfg_.lanes, 0);
  for (auto& t : tiles_)
    for (uint32_t r = tile_cfg_.nvm_rows; r < tile_cfg_.rows(); ++r) t->poke_row(r, zero);
  for (auto& r : runners_) r.forget_row_ones();
}

}  // namespace hycim::device
