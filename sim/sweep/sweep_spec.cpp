#include "sweep/sweep_spec.hpp"

namespace cw {

void describe(FieldVisitor& v, SweepParam& p) {
  v.text("path", p.path, {"parameter path (SPEC §2.3), e.g. providers[AWS].price"}, true);
  v.texts("values", p.values, {"grid, zip: the values, in order"});
  v.maybe_number("from", p.from, kAnyNumber, {"grid range: first value"});
  v.maybe_number("to", p.to, kAnyNumber, {"grid range: last value"});
  v.integer("steps", p.steps, range(0, 1e7), {"grid range: number of values (>= 2)"});
  v.maybe_number("low", p.low, kAnyNumber, {"random, lhs, sobol, morris: lower end"});
  v.maybe_number("high", p.high, kAnyNumber, {"random, lhs, sobol, morris: upper end"});
  v.choice("scale", choice_ref(p.scale, kScaleNames),
           {"linear, or log (geometric spacing; ends must be > 0)"});
}

void describe(FieldVisitor& v, SweepSpec& s) {
  v.text("name", s.name, {"sweep name (output folder results/<name>)"}, true);
  v.text("base", s.base, {"base scenario file, relative to the sweep file"}, true);
  v.integer("seed", s.seed, range(0, 9.007199254740992e15), {"sweep seed"});
  v.choice("seeds", choice_ref(s.seeds, kSeedModeNames),
           {"independent: seed from (sweep seed, point, replicate); common: from (sweep seed, "
            "replicate), shared by every point"});
  v.integer("replicates", s.replicates, range(1, 1e7), {"runs per design point"});
  v.object(
      "design",
      [&s](FieldVisitor& w) {
        auto& d = s.design;
        w.choice("kind", choice_ref(d.kind, kDesignKindNames), {"design"});
        w.integer("samples", d.samples, range(0, 1e8),
                  {"random, lhs: points; sobol: base samples N; morris: trajectories r"});
        w.integer("levels", d.levels, range(2, 1000), {"morris: levels p of the grid (even)"});
        w.choice("sampler", choice_ref(d.sampler, kSamplerNames),
                 {"sobol: quasi (a Sobol sequence; default) or random (Monte Carlo)"});
        w.text("file", d.file, {"csv: design file, relative to the sweep file"});
      },
      {"the design"}, true);
  v.list("parameters",
         list_ref(
             s.parameters, [](FieldVisitor& w, SweepParam& p) { describe(w, p); },
             [](const SweepParam& p) { return p.path; }, true),
         {"the varied parameters"});
  v.list("outcomes",
         list_ref(
             s.outcomes, [](FieldVisitor& w, OutcomeParams& o) { describe(w, o); },
             [](const OutcomeParams& o) { return o.name; }, true),
         {"declared outcomes added to the base scenario's (docs/OUTPUTS.md)"});
  v.object("output",
           [&s](FieldVisitor& w) {
             w.integer("step_every", s.step_every, range(0, 1e7),
                       {"write steps.csv and step_providers.csv rows every K steps; 0: none"});
             w.flag("events", s.events, {"write events.csv: every run's events, keyed by run_id"});
             w.flag("lab_steps", s.lab_steps,
                    {"write step_labs.csv: the named labs' rows at the step_every steps"});
             w.flag("gzip", s.gzip, {"gzip the finished CSV files"});
           },
           {"outputs"});
}

}  // namespace cw
