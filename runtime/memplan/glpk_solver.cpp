// GLPK behind lp_model.hpp. The MIP runs without GLPK's presolver so that the
// branch-and-cut callback sees the original columns: that is what lets it hand
// over the warm start and read the best bound when the time limit stops it.
#include <glpk.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

#include "runtime/memplan/lp_model.hpp"

namespace hycim::memplan {

namespace {

struct ProbDeleter {
  void operator()(glp_prob* p) const { glp_delete_prob(p); }
};
using Prob = std::unique_ptr<glp_prob, ProbDeleter>;

int bound_type(double lo, double hi) {
  const bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi);
  if (has_lo && has_hi) return lo == hi ? GLP_FX : GLP_DB;
  if (has_lo) return GLP_LO;
  if (has_hi) return GLP_UP;
  return GLP_FR;
}

Prob load(const LpModel& m, bool integer) {
  Prob p(glp_create_prob());
  glp_set_obj_dir(p.get(), GLP_MIN);
  glp_add_cols(p.get(), static_cast<int>(m.vars.size()));
  for (std::size_t i = 0; i < m.vars.size(); ++i) {
    const LpVar& v = m.vars[i];
    const int c = static_cast<int>(i) + 1;
    glp_set_col_bnds(p.get(), c, bound_type(v.lo, v.hi), v.lo, v.hi);
    glp_set_obj_coef(p.get(), c, v.cost);
    if (integer && v.integer) glp_set_col_kind(p.get(), c, GLP_IV);
  }
  if (m.rows.empty()) return p;
  glp_add_rows(p.get(), static_cast<int>(m.rows.size()));
  std::vector<int> ia{0}, ja{0};
  std::vector<double> ar{0};
  for (std::size_t r = 0; r < m.rows.size(); ++r) {
    const LpRow& row = m.rows[r];
    glp_set_row_bnds(p.get(), static_cast<int>(r) + 1, bound_type(row.lo, row.hi), row.lo, row.hi);
    for (const auto& [var, coef] : row.terms) {
      ia.push_back(static_cast<int>(r) + 1);
      ja.push_back(var + 1);
      ar.push_back(coef);
    }
  }
  glp_load_matrix(p.get(), static_cast<int>(ia.size()) - 1, ia.data(), ja.data(), ar.data());
  return p;
}

double relaxation(glp_prob* p, double time_limit_s, bool& ok) {
  glp_smcp sm;
  glp_init_smcp(&sm);
  sm.msg_lev = GLP_MSG_OFF;
  sm.presolve = GLP_ON;
  sm.tm_lim = static_cast<int>(std::max(1.0, time_limit_s * 1000));
  ok = glp_simplex(p, &sm) == 0 && glp_get_status(p) == GLP_OPT;
  return glp_get_obj_val(p);
}

struct Search {
  const std::vector<double>* start = nullptr;
  bool offered = false;
  double bound = -std::numeric_limits<double>::infinity();
};

void callback(glp_tree* tree, void* info) {
  auto* s = static_cast<Search*>(info);
  if (glp_ios_reason(tree) == GLP_IHEUR && !s->offered && s->start && !s->start->empty()) {
    s->offered = true;
    std::vector<double> x{0.0};  // GLPK arrays are 1-based
    x.insert(x.end(), s->start->begin(), s->start->end());
    glp_ios_heur_sol(tree, x.data());
  }
  if (glp_ios_reason(tree) == GLP_ISELECT) {
    const int node = glp_ios_best_node(tree);
    if (node) s->bound = glp_ios_node_bound(tree, node);
  }
}

double elapsed(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

LpSolution solve_lp(const LpModel& m, double time_limit_s) {
  const auto t0 = std::chrono::steady_clock::now();
  Prob p = load(m, false);
  LpSolution s;
  bool ok = false;
  s.objective = s.bound = s.lp_bound = relaxation(p.get(), time_limit_s, ok);
  s.status = ok ? "optimal" : "infeasible";
  for (std::size_t i = 0; ok && i < m.vars.size(); ++i)
    s.x.push_back(glp_get_col_prim(p.get(), static_cast<int>(i) + 1));
  s.seconds = elapsed(t0);
  return s;
}

LpSolution solve_mip(const LpModel& m, double time_limit_s, const std::vector<double>& start) {
  const auto t0 = std::chrono::steady_clock::now();
  Prob p = load(m, true);
  LpSolution s;
  bool ok = false;
  s.lp_bound = relaxation(p.get(), time_limit_s, ok);  // intopt needs an optimal LP basis
  if (!ok) {
    s.status = "infeasible";
    s.seconds = elapsed(t0);
    return s;
  }
  Search search{&start, false, s.lp_bound};
  glp_iocp io;
  glp_init_iocp(&io);
  io.msg_lev = GLP_MSG_OFF;
  io.presolve = GLP_OFF;
  io.fp_heur = GLP_ON;
  io.ps_heur = GLP_ON;  // proximity search improves on the warm start quickly
  io.ps_tm_lim = static_cast<int>(std::max(1.0, time_limit_s * 200));
  io.mir_cuts = GLP_ON;
  io.mip_gap = 1e-6;
  io.tm_lim = static_cast<int>(std::max(1.0, (time_limit_s - elapsed(t0)) * 1000));
  io.cb_func = callback;
  io.cb_info = &search;
  // Some GLPK heuristics print whatever msg_lev says; silence them for this call.
  const int term = glp_term_out(GLP_OFF);
  glp_intopt(p.get(), &io);
  glp_term_out(term);
  const int st = glp_mip_status(p.get());
  s.status = st == GLP_OPT      ? "optimal"
             : st == GLP_FEAS   ? "feasible"
             : st == GLP_NOFEAS ? "infeasible"
                                : "no solution";
  if (s.has_solution()) {
    s.objective = glp_mip_obj_val(p.get());
    for (std::size_t i = 0; i < m.vars.size(); ++i)
      s.x.push_back(glp_mip_col_val(p.get(), static_cast<int>(i) + 1));
    s.bound = st == GLP_OPT ? s.objective : std::max(s.lp_bound, search.bound);
    s.bound = std::min(s.bound, s.objective);
    s.gap = (s.objective - s.bound) / std::max(std::abs(s.objective), 1e-9);
  }
  s.seconds = elapsed(t0);
  return s;
}

}  // namespace hycim::memplan
