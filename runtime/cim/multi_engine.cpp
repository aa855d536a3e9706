#include "runtime/cim/multi_engine.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <exception>
#include <thread>

namespace hycim::cim {

MultiDeviceEngine::MultiDeviceEngine(std::vector<std::unique_ptr<MvmEngine>> devices)
    : devices_(std::move(devices)) {
  if (devices_.size() < 2) throw EngineError("a device group needs at least two devices");
  const Geometry g0 = devices_[0]->geometry();
  geometry_ = {0, g0.lanes, g0.nvm_rows, g0.max_k, g0.nvm_endurance};
  for (const auto& d : devices_) {
    const Geometry g = d->geometry();
    if (g.lanes != g0.lanes || g.nvm_rows != g0.nvm_rows || g.max_k != g0.max_k)
      throw EngineError(fmt::format(
          "devices {} and {} differ in tile geometry ({} lanes x {} NVM rows vs {} x {}): a "
          "device group needs one tile configuration",
          devices_[0]->describe(), d->describe(), g0.lanes, g0.nvm_rows, g.lanes, g.nvm_rows));
    for (size_t e = 0; e < first_tile_.size(); ++e)
      if (devices_[e]->device_id() == d->device_id())
        throw EngineError(fmt::format(
            "{} is in the device group twice (device {}): a group needs distinct devices "
            "(sim:// URIs differ by instance=NAME)",
            d->describe(), d->device_id()));
    first_tile_.push_back(geometry_.tiles);
    geometry_.tiles += g.tiles;
    id_ += (id_.empty() ? "" : "+") + d->device_id();
  }
}

std::pair<size_t, uint32_t> MultiDeviceEngine::route(uint32_t tile) const {
  if (tile >= geometry_.tiles)
    throw EngineError(fmt::format("tile {} does not exist ({} tiles)", tile, geometry_.tiles));
  const size_t d = static_cast<size_t>(
      std::upper_bound(first_tile_.begin(), first_tile_.end(), tile) - first_tile_.begin() - 1);
  return {d, tile - first_tile_[d]};
}

std::vector<double> MultiDeviceEngine::clocks() const {
  std::vector<double> t;
  for (const auto& d : devices_) t.push_back(d->device_time_ns());
  return t;
}

void MultiDeviceEngine::advance(const std::vector<double>& before) {
  const auto after = clocks();
  double longest = 0;
  for (size_t i = 0; i < after.size(); ++i) longest = std::max(longest, after[i] - before[i]);
  time_ns_ += longest;
}

template <class Op>
void MultiDeviceEngine::on_device(uint32_t tile, Op op) {
  const auto [d, t] = route(tile);
  const auto before = clocks();
  op(*devices_[d], t);
  advance(before);
}

void MultiDeviceEngine::program(uint32_t tile, uint32_t first_row, std::span<const uint8_t> rows) {
  on_device(tile, [&](MvmEngine& e, uint32_t t) { e.program(t, first_row, rows); });
}

void MultiDeviceEngine::read(uint32_t tile, uint32_t first_row, std::span<uint8_t> rows) {
  on_device(tile, [&](MvmEngine& e, uint32_t t) { e.read(t, first_row, rows); });
}

void MultiDeviceEngine::read_wear(uint32_t tile, uint32_t first_row, std::span<uint32_t> wear) {
  on_device(tile, [&](MvmEngine& e, uint32_t t) { e.read_wear(t, first_row, wear); });
}

template <class Job, class Run>
void MultiDeviceEngine::split(std::span<const Job> jobs, Run run) {
  std::vector<std::vector<Job>> part(devices_.size());
  for (Job j : jobs) {
    const auto [d, t] = route(j.tile);
    j.tile = t;
    part[d].push_back(j);
  }
  const auto before = clocks();
  std::vector<std::exception_ptr> errors(devices_.size());
  auto one = [&](size_t d) {
    try {
      run(*devices_[d], std::span<const Job>(part[d]));
    } catch (...) {
      errors[d] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  size_t here = devices_.size();  // the first device with work runs on this thread
  for (size_t d = 0; d < devices_.size(); ++d)
    if (!part[d].empty()) {
      if (here == devices_.size())
        here = d;
      else
        threads.emplace_back(one, d);
    }
  if (here < devices_.size()) one(here);
  for (auto& t : threads) t.join();
  advance(before);
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

void MultiDeviceEngine::mvm(std::span<const MvmJob> jobs) {
  split(jobs, [](MvmEngine& e, std::span<const MvmJob> part) { e.mvm(part); });
}

void MultiDeviceEngine::program_batch(std::span<const ProgramJob> jobs) {
  split(jobs, [](MvmEngine& e, std::span<const ProgramJob> part) { e.program_batch(part); });
}

uint64_t MultiDeviceEngine::cycles(uint32_t tile) const {
  const auto [d, t] = route(tile);
  return devices_[d]->cycles(t);
}

double MultiDeviceEngine::energy_pj() const {
  double e = 0;
  for (const auto& d : devices_) e += d->energy_pj();
  return e;
}

driver::Usage MultiDeviceEngine::usage() const {
  driver::Usage u{};
  for (const auto& d : devices_) add_usage(u, d->usage());
  return u;
}

std::string MultiDeviceEngine::describe() const {
  std::string s = fmt::format("{} devices, {} tiles:", devices_.size(), geometry_.tiles);
  for (size_t d = 0; d < devices_.size(); ++d)
    s += fmt::format(" [tiles {}..{}] {};", first_tile_[d],
                     first_tile_[d] + devices_[d]->geometry().tiles - 1, devices_[d]->describe());
  return s;
}

std::vector<driver::RowAccess> MultiDeviceEngine::row_access(uint32_t tile) const {
  const auto [d, t] = route(tile);
  return devices_[d]->row_access(t);
}

void MultiDeviceEngine::release_rows(uint32_t tile, uint32_t row, uint32_t count) {
  const auto [d, t] = route(tile);
  devices_[d]->release_rows(t, row, count);
}

void MultiDeviceEngine::share_rows(uint32_t tile, uint32_t row, uint32_t count, bool shared) {
  const auto [d, t] = route(tile);
  devices_[d]->share_rows(t, row, count, shared);
}

std::string MultiDeviceEngine::owner() const {
  std::vector<std::string> owners;
  for (const auto& d : devices_)
    if (const std::string o = d->owner();
        std::find(owners.begin(), owners.end(), o) == owners.end())
      owners.push_back(o);
  return fmt::format("{}", fmt::join(owners, "+"));
}

}  // namespace hycim::cim
