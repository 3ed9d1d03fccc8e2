"""The CP-SAT model of the programme: place each inspection in a fieldwork slot and staff it.

Hard rules (names as in ``problem.RULES``) are constraints; the goals are one weighted sum:
higher-priority forces earlier, a balanced workload (the busiest person's share of their own
capacity), less travel between regions and, when re-planning, a large penalty on every slot or
team place that differs from the published plan (with the published plan as a solution hint).

When a request is infeasible, ``explain`` first runs plain pre-checks per rule and, if those
find nothing, re-builds the model with one enabling literal per rule group and person / force /
inspection, and asks CP-SAT which of them together cannot hold
(``sufficient_assumptions_for_infeasibility``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import ortools
from ortools.sat.python import cp_model

from cpinspect.scheduling.problem import RULES, Placement, Plan, Problem, travel_units


@dataclass
class Weights:
    # Per priority point per fortnight of delay. The main goal: the other terms are tie-breakers
    # worth a few per cent of the objective (their LP bounds are weak, so they dominate the gap).
    priority: int = 30
    balance: int = 200  # per fieldwork fortnight a person works above their fair share
    travel: int = 1  # per ten kilometres between a person's region and the force's
    changed_slot: int = 100_000  # re-planning: per inspection moved to another slot
    changed_member: int = 20_000  # re-planning: per person taken off an inspection
    changed_lead: int = 5_000  # re-planning: per inspection whose lead changes


@dataclass
class SolveParams:
    time_limit: float = 30.0
    workers: int = 2
    seed: int = 20260401
    relative_gap: float = 0.01
    # Re-planning proves its answer: a 1% gap on the whole objective could hide an avoidable
    # change (each costs far less than 1% of it). The published plan as a hint makes it quick.
    replan_relative_gap: float = 0.0
    linearization_level: int = 2  # stronger LP relaxation: closes the gap on the staffing goals
    weights: Weights = field(default_factory=Weights)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> SolveParams:
        return cls(**{**data, "weights": Weights(**data.get("weights", {}))})


@dataclass
class SolveResult:
    status: str  # optimal, feasible, infeasible, unknown
    plan: Plan | None
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    wall_time: float = 0.0
    solver_version: str = f"OR-Tools CP-SAT {ortools.__version__}"
    explanation: list[dict] = field(default_factory=list)


STATUS_NAMES = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.MODEL_INVALID: "invalid",
    cp_model.UNKNOWN: "unknown",
}


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, report: Callable[[dict], None]):
        super().__init__()
        self.report = report
        self.count = 0

    def on_solution_callback(self):
        self.count += 1
        self.report(
            {
                "solution": self.count,
                "objective": self.ObjectiveValue(),
                "bound": self.BestObjectiveBound(),
                "seconds": round(self.WallTime(), 2),
            }
        )


class _Model:
    """Builds the CP-SAT model. With ``explain`` every rule group is guarded by a literal."""

    def __init__(self, problem: Problem, params: SolveParams, baseline: Plan | None, explain=False):
        self.problem = problem
        self.model = m = cp_model.CpModel()
        self.explain = explain
        self.guards: dict[int, dict] = {}  # literal index -> what it enables
        self._guard_cache: dict[tuple, cp_model.IntVar] = {}
        slots = len(problem.slots)
        w = params.weights

        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.y: dict[tuple[int, int], cp_model.IntVar] = {}
        self.lead: dict[tuple[int, int], cp_model.IntVar] = {}
        starts: dict[int, cp_model.IntVar] = {}
        intervals_of_person: dict[int, list] = {p.id: [] for p in problem.people}
        objective = []

        for t in problem.tasks:
            last = slots - t.duration
            possible = []
            for s in range(0, last + 1):
                covering = range(s, s + t.duration)
                early = s < t.earliest_slot
                late = t.latest_slot is not None and s > t.latest_slot
                peel = any(c in t.blocked_slots for c in covering)
                if (early or late or peel) and not explain:
                    continue
                var = m.new_bool_var(f"x_{t.id}_{s}")
                self.x[t.id, s] = var
                possible.append((s, var))
                if early:
                    m.add_implication(self._guard("notice", t.id, task=t.id), var.Not())
                if late:
                    m.add_implication(self._guard("deadline", t.id, task=t.id), var.Not())
                if peel:
                    m.add_implication(
                        self._guard("peel", t.force_code, force=t.force_code), var.Not()
                    )
            m.add_exactly_one([v for _, v in possible])
            start = m.new_int_var(0, max(last, 0), f"start_{t.id}")
            m.add(start == sum(s * v for s, v in possible))
            starts[t.id] = start
            objective.append(w.priority * t.priority * start)

            members, leads = [], []
            for p in self.problem.people:
                conflicted = t.force_code in p.conflicts
                if conflicted and not explain:
                    continue
                y = m.new_bool_var(f"y_{t.id}_{p.id}")
                self.y[t.id, p.id] = y
                members.append((p, y))
                if conflicted:
                    m.add_implication(self._guard("conflict", p.id, person=p.id), y.Not())
                intervals_of_person[p.id].append(
                    m.new_optional_fixed_size_interval_var(start, t.duration, y, f"i_{t.id}_{p.id}")
                )
                # Leave, training and other commitments: not on a start that covers them.
                for s, var in possible:
                    if any(c in p.unavailable for c in range(s, s + t.duration)):
                        self._enforce(
                            m.add_bool_or([y.Not(), var.Not()]),
                            self._guard("absence", p.id, person=p.id),
                        )
                if p.can_lead:
                    lead = m.new_bool_var(f"l_{t.id}_{p.id}")
                    self.lead[t.id, p.id] = lead
                    m.add_implication(lead, y)
                    leads.append(lead)
                objective.append(w.travel * travel_units(p.region, t.region) * y)
            team_guard = self._guard("team", t.id, task=t.id)
            self._enforce(m.add(sum(y for _, y in members) == t.team_size), team_guard)
            self._enforce(m.add(sum(leads) == 1), team_guard)
            for theme in t.themes:
                covering = [y for p, y in members if theme in p.specialisms]
                self._enforce(
                    m.add(sum(covering) >= 1), self._guard("themes", t.id, task=t.id, theme=theme)
                )

        for p in problem.people:
            m.add_no_overlap(intervals_of_person[p.id])

        # Workload: each person's fieldwork fortnights above their fair share of the year's
        # work (their capacity x demand / supply, rounded up) is penalised. A separable penalty
        # keeps the bound tight, unlike minimising the busiest person's load.
        demand = sum(t.duration * t.team_size for t in problem.tasks)
        supply = sum(p.capacity for p in problem.people) or 1
        for p in problem.people:
            load = sum(
                self.problem.task(t).duration * y for (t, pid), y in self.y.items() if pid == p.id
            )
            self._enforce(m.add(load <= p.capacity), self._guard("capacity", p.id, person=p.id))
            fair = -(-p.capacity * demand // supply)
            over = m.new_int_var(0, max(p.capacity, 0), f"over_{p.id}")
            m.add(over >= load - fair)
            objective.append(w.balance * over)

        # At most K inspections in fieldwork in any slot.
        conc_guard = self._guard("concurrency", "all")
        for s in range(slots):
            running = [
                var
                for (tid, start_slot), var in self.x.items()
                if start_slot <= s < start_slot + self.problem.task(tid).duration
            ]
            limit = problem.max_concurrent - problem.busy_slots.get(s, 0)
            if running:
                self._enforce(m.add(sum(running) <= limit), conc_guard)

        # Re-planning: keep the published plan as far as possible.
        if baseline is not None:
            for tid, old in baseline.placements.items():
                if (tid, old.slot) in self.x:
                    objective.append(w.changed_slot * (1 - self.x[tid, old.slot]))
                    m.add_hint(self.x[tid, old.slot], 1)
                elif any(k[0] == tid for k in self.x):
                    objective.append(w.changed_slot)
                for pid in old.members:
                    if (tid, pid) in self.y:
                        objective.append(w.changed_member * (1 - self.y[tid, pid]))
                        m.add_hint(self.y[tid, pid], 1)
                    elif any(k[0] == tid for k in self.y):
                        objective.append(w.changed_member)
                if (tid, old.lead) in self.lead:
                    m.add_hint(self.lead[tid, old.lead], 1)
                    objective.append(w.changed_lead * (1 - self.lead[tid, old.lead]))
                elif any(k[0] == tid for k in self.lead):
                    objective.append(w.changed_lead)
        m.minimize(sum(objective))

    def _guard(self, rule, key, **detail):
        if not self.explain:
            return None
        if (rule, key) not in self._guard_cache:
            lit = self.model.new_bool_var(f"enable_{rule}_{key}")
            self._guard_cache[rule, key] = lit
            self.guards[lit.index] = {"rule": rule, **detail}
        return self._guard_cache[rule, key]

    @staticmethod
    def _enforce(constraint, guard):
        if guard is not None:
            constraint.only_enforce_if(guard)

    def decode(self, solver: cp_model.CpSolver) -> Plan:
        placements = {}
        for t in self.problem.tasks:
            slot = next(s for (tid, s), v in self.x.items() if tid == t.id and solver.value(v))
            members = tuple(
                sorted(pid for (tid, pid), v in self.y.items() if tid == t.id and solver.value(v))
            )
            lead = next(
                pid for (tid, pid), v in self.lead.items() if tid == t.id and solver.value(v)
            )
            placements[t.id] = Placement(t.id, slot, lead, members)
        return Plan(placements)


def _configure(solver: cp_model.CpSolver, params: SolveParams, replan: bool = False) -> None:
    solver.parameters.max_time_in_seconds = params.time_limit
    solver.parameters.num_workers = params.workers
    solver.parameters.random_seed = params.seed
    solver.parameters.relative_gap_limit = (
        params.replan_relative_gap if replan else params.relative_gap
    )
    solver.parameters.linearization_level = params.linearization_level


def solve(
    problem: Problem,
    params: SolveParams | None = None,
    *,
    baseline: Plan | None = None,
    progress: Callable[[dict], None] | None = None,
) -> SolveResult:
    """Solve; if there is no plan, say which rules conflict (pre-checks, then CP-SAT cores)."""
    params = params or SolveParams()
    began = time.monotonic()
    problems = precheck(problem)
    if problems:
        return SolveResult(
            "infeasible", None, wall_time=time.monotonic() - began, explanation=problems
        )
    built = _Model(problem, params, baseline)
    solver = cp_model.CpSolver()
    _configure(solver, params, replan=baseline is not None)
    callback = _Progress(progress) if progress else None
    code = solver.solve(built.model, callback)
    status = STATUS_NAMES.get(code, "unknown")
    result = SolveResult(status, None, wall_time=time.monotonic() - began)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        result.plan = built.decode(solver)
        result.objective = solver.objective_value
        result.bound = solver.best_objective_bound
        result.gap = abs(result.objective - result.bound) / max(1.0, abs(result.objective))
        # CP-SAT says OPTIMAL when it stops at the relative gap limit; say "optimal" only when
        # the bound proves it (the objective is an integer) and "feasible" otherwise.
        if code == cp_model.OPTIMAL and abs(result.objective - result.bound) >= 0.5:
            result.status = "feasible"
    elif code == cp_model.INFEASIBLE:
        result.explanation = explain(problem, params)
        result.wall_time = time.monotonic() - began
    else:
        result.explanation = [
            {
                "rule": "time_limit",
                "message": f"No plan found within {params.time_limit:g} seconds; "
                "try a longer time limit.",
            }
        ]
    return result


def explain(problem: Problem, params: SolveParams) -> list[dict]:
    """Which rule groups together make the request impossible, for whom and when."""
    built = _Model(problem, params, None, explain=True)
    literals = [built._guard_cache[key] for key in built._guard_cache]
    built.model.add_assumptions(literals)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(5.0, params.time_limit)
    solver.parameters.num_workers = 1  # cores of assumptions come from the sequential search
    solver.parameters.random_seed = params.seed
    code = solver.solve(built.model)
    if code != cp_model.INFEASIBLE:
        return [{"rule": "unknown", "message": "The solver could not say which rules conflict."}]
    core = solver.sufficient_assumptions_for_infeasibility()
    names = {p.id: p.name for p in problem.people}
    labels = {t.id: t.label for t in problem.tasks}
    out = []
    for index in core:
        detail = dict(built.guards[index])
        rule = detail["rule"]
        who = []
        if "person" in detail:
            person = problem.person(detail["person"])
            who.append(names[person.id])
            if rule == "absence":
                detail["slots"] = sorted(person.unavailable)
        if "task" in detail:
            who.append(labels[detail["task"]])
        if "force" in detail:
            who.append(detail["force"])
        detail["message"] = RULES[rule] + (f": {', '.join(who)}" if who else "")
        if "theme" in detail:
            detail["message"] += f" (theme {detail['theme']})"
        out.append(detail)
    out.sort(key=lambda d: (d["rule"], d["message"]))
    out.insert(
        0,
        {
            "rule": "core",
            "message": "These rules cannot all hold together; relaxing any one of them may help.",
        },
    )
    return out


def precheck(problem: Problem) -> list[dict]:
    """Quick checks per rule that name the inspection, people and weeks that cannot work."""
    found = []
    slot_count = len(problem.slots)

    def slot_text(s):
        slot = problem.slots[s]
        return f"{slot.starts_on:%d %b %Y}"

    for t in problem.tasks:
        last = slot_count - t.duration
        if t.latest_slot is not None:
            last = min(last, t.latest_slot)
        starts = [
            s
            for s in range(t.earliest_slot, last + 1)
            if not any(c in t.blocked_slots for c in range(s, s + t.duration))
        ]
        if not starts:
            reason = []
            if t.latest_slot is not None:
                by = problem.slots[t.latest_slot] if 0 <= t.latest_slot < slot_count else None
                reason.append(
                    f"must start by {slot_text(t.latest_slot)}"
                    if by
                    else "must start before the programme's first fortnight"
                )
            if t.blocked_slots:
                reason.append(f"PEEL fieldwork in {len(t.blocked_slots)} fortnight(s)")
            if t.earliest_slot:
                first = (
                    slot_text(t.earliest_slot)
                    if t.earliest_slot < slot_count
                    else "after the programme ends"
                )
                reason.append(f"the notice period means starting {first} at the earliest")
            found.append(
                {
                    "rule": "peel"
                    if t.blocked_slots
                    else ("deadline" if t.latest_slot is not None else "notice"),
                    "task": t.id,
                    "force": t.force_code,
                    "message": f"{t.label}: no fortnight fits ("
                    + ("; ".join(reason) or "the programme is too short")
                    + ")",
                    "slots": list(t.blocked_slots),
                }
            )
            continue
        best_missing = None
        for s in starts:
            covering = range(s, s + t.duration)
            free = [
                p
                for p in problem.people
                if t.force_code not in p.conflicts
                and not any(c in p.unavailable for c in covering)
                and p.capacity >= t.duration
            ]
            missing = []
            if len(free) < t.team_size:
                missing.append(f"{len(free)} free people, {t.team_size} needed")
            if not any(p.can_lead for p in free):
                missing.append("no lead inspector free")
            for theme in t.themes:
                if not any(theme in p.specialisms for p in free):
                    missing.append(f"no {theme.replace('_', ' ')} specialist free")
            if not missing:
                best_missing = None
                break
            if best_missing is None or len(missing) < len(best_missing[1]):
                best_missing = (s, missing)
        if best_missing is not None:
            unavailable = sorted(
                {
                    p.name
                    for p in problem.people
                    if any(c in p.unavailable for c in starts) or t.force_code in p.conflicts
                }
            )
            found.append(
                {
                    "rule": "themes",
                    "task": t.id,
                    "message": f"{t.label}: not enough qualified staff available in any fortnight "
                    f"(best, {slot_text(best_missing[0])}: {'; '.join(best_missing[1])})",
                    "people_unavailable_or_conflicted": unavailable,
                }
            )
    # Fieldwork can only start from each inspection's earliest fortnight (the planning date
    # and the notice period), so supply and room are counted from there, for every such
    # fortnight: counted over the whole year, a late planning date passed these checks and
    # the solver's core then named every inspector instead (issue 15). An inspection that
    # cannot start before the programme ends is named above.
    firsts = sorted({t.earliest_slot for t in problem.tasks if t.earliest_slot < slot_count})
    for first in firsts:
        demand = sum(t.duration * t.team_size for t in problem.tasks if t.earliest_slot >= first)
        supply = sum(
            min(p.capacity, sum(1 for s in range(first, slot_count) if s not in p.unavailable))
            for p in problem.people
        )
        if demand > supply:
            found.append(
                {
                    "rule": "capacity",
                    "message": f"The plan needs {demand} person-fortnights of fieldwork; the "
                    f"team's part-time availability allows {supply}"
                    + (f" from {slot_text(first)}." if first else "."),
                }
            )
            break
    for first in firsts:
        needed = sum(t.duration for t in problem.tasks if t.earliest_slot >= first)
        room = sum(
            max(0, problem.max_concurrent - problem.busy_slots.get(s, 0))
            for s in range(first, slot_count)
        )
        if needed > room:
            found.append(
                {
                    "rule": "concurrency",
                    "message": f"{needed} inspection-fortnights of fieldwork do not fit with "
                    f"at most {problem.max_concurrent} at once ({room} available"
                    + (
                        f" from {slot_text(first)}, {slot_count - first} fortnights)."
                        if first
                        else ")."
                    ),
                }
            )
            break
    return found
