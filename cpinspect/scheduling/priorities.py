"""A transparent, risk-based ranking of forces for the child protection programme.

Each force's score is the sum of points from named inputs; every input is returned with its
value and points so a planner can see why a force ranks where it does. Missing data is shown
as missing (a suppressed DfE count is missing, never zero) and scores no points.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from cpinspect.programmes.models import Inspection, InspectionType
from cpinspect.registry.models import Force, PublishedGrade

DATA_DIR = Path(__file__).resolve().parent / "data"
WEIGHTS_FILE = Path(__file__).resolve().parent / "priority_weights.yaml"
OFSTED_FILE = "ofsted_ilacs_la_judgements_as_at_2025-03-31.csv"
CPP_FILE = "d5_cpps_at31march_by_duration_2013_to_2025.csv"
POPULATION_FILE = "cla_number_and_rate_per_10k_children.csv"
SUPPRESSED = {"c", "x", "z", "u", "[c]", "[x]", "[z]", "[u]", ":", ""}
VULNERABILITY = "How effective is the force at protecting from harm those who are vulnerable"


def load_weights() -> dict:
    with open(WEIGHTS_FILE, encoding="utf-8") as handle:
        weights = yaml.safe_load(handle)
    overrides = getattr(settings, "CPINSPECT_PRIORITY_WEIGHTS", {}) or {}
    unknown = sorted(set(overrides) - set(weights))
    if unknown:
        raise ImproperlyConfigured(
            f"CPINSPECT_PRIORITY_WEIGHTS names {', '.join(unknown)}, which "
            f"{WEIGHTS_FILE.name} does not have; it has {', '.join(sorted(weights))}."
        )
    weights.update(overrides)
    return weights


def number(text: str | None) -> float | None:
    """A published figure, or None where it is suppressed or not available."""
    text = (text or "").strip().lower()
    if text in SUPPRESSED:
        return None
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _data_dir() -> Path:
    return Path(getattr(settings, "CPINSPECT_SCHEDULING_DATA_DIR", DATA_DIR))


@cache
def _read(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def ofsted_judgements() -> dict[str, str]:
    """Council code -> Ofsted overall effectiveness (latest, as at 31 March 2025)."""
    return {
        row["Local authority area code"].strip(): row["Overall effectiveness"].strip()
        for row in _read(_data_dir() / OFSTED_FILE)
    }


def cpp_counts() -> tuple[int, dict[str, float | None], float | None]:
    """(year, council code -> children on plans at 31 March or None, England's count)."""
    rows = _read(_data_dir() / CPP_FILE)
    year = max(int(r["time_period"]) for r in rows)
    councils, england = {}, None
    for r in rows:
        if int(r["time_period"]) != year:
            continue
        if r["geographic_level"] == "National":
            england = number(r["CPP_At31"])
        elif r["geographic_level"] == "Local authority":
            councils[r["new_la_code"].strip()] = number(r["CPP_At31"])
    return year, councils, england


def child_populations(year: int) -> tuple[dict[str, float | None], float | None]:
    rows = _read(_data_dir() / POPULATION_FILE)
    councils, england = {}, None
    for r in rows:
        if int(r["time_period"]) != year or "on 31 March" not in r["population_type"]:
            continue
        if r["geographic_level"] == "National":
            england = number(r["population_estimate"])
        elif r["geographic_level"] == "Local authority":
            councils[r["new_la_code"].strip()] = number(r["population_estimate"])
    return councils, england


def open_causes_of_concern(force) -> int:
    """Published causes of concern of the force with a recommendation still open."""
    from cpinspect.findings.selectors import open_causes_of_concern_count

    return open_causes_of_concern_count(force)


def overdue_recommendations(force, as_of) -> int:
    """Open recommendations of the force's published reports past their due date."""
    from cpinspect.findings.selectors import overdue_recommendations_count

    return overdue_recommendations_count(force, as_of)


@dataclass
class Reason:
    input: str
    value: str
    points: float


@dataclass
class ForcePriority:
    code: str
    name: str
    score: float = 0.0
    rank: int = 0
    reasons: list[Reason] = field(default_factory=list)

    def add(self, name, value, points):
        self.reasons.append(Reason(name, value, round(points, 1)))
        self.score = round(self.score + points, 1)

    def to_json(self):
        return asdict(self)


def force_priorities(*, as_of: date, forces=None) -> list[ForcePriority]:
    """Every force (or those given), highest priority first, each with its reasons."""
    weights = load_weights()
    forces = list(forces if forces is not None else Force.objects.all())
    grades = {}
    for g in PublishedGrade.objects.filter(force__in=forces).order_by("year", "question"):
        current = grades.get(g.force_id)
        if current is None or g.year > current.year or VULNERABILITY in g.question:
            grades[g.force_id] = g
    last_cp = {}
    for inspection in Inspection.objects.filter(
        kind__in=[InspectionType.CHILD_PROTECTION, InspectionType.RE_INSPECTION],
        force__in=forces,
        fieldwork_ends_on__lt=as_of,
    ).only("force_id", "fieldwork_ends_on"):
        if inspection.fieldwork_ends_on > last_cp.get(inspection.force_id, date.min):
            last_cp[inspection.force_id] = inspection.fieldwork_ends_on
    ofsted = ofsted_judgements()
    year, cpp, england_cpp = cpp_counts()
    population, england_population = child_populations(year)
    england_rate = (
        10000 * england_cpp / england_population if england_cpp and england_population else None
    )
    councils_of = {f.pk: list(f.councils.all()) for f in forces}

    out = []
    for force in forces:
        fp = ForcePriority(force.code, force.name)
        grade = grades.get(force.pk)
        if grade:
            fp.add(
                "Latest PEEL grade",
                f"{grade.get_grade_display()} ({grade.assessment})",
                weights["peel_grade"].get(grade.grade, 0),
            )
        else:
            fp.add("Latest PEEL grade", "not available", 0)
        last = last_cp.get(force.pk)
        if last:
            years = (as_of - last).days / 365.25
            fp.add(
                "Time since last child protection inspection",
                f"{years:.1f} years (fieldwork ended {last:%d %B %Y})",
                weights["per_year_since_inspection"] * min(years, weights["years_cap"]),
            )
        else:
            fp.add(
                "Time since last child protection inspection",
                "none on record",
                weights["per_year_since_inspection"] * weights["years_cap"],
            )
        causes = open_causes_of_concern(force)
        fp.add(
            "Open causes of concern",
            f"{causes} (findings not yet recorded in CP Inspect)",
            causes * weights["per_open_cause_of_concern"],
        )
        overdue = overdue_recommendations(force, as_of)
        fp.add(
            "Overdue recommendations",
            f"{overdue} (findings not yet recorded in CP Inspect)",
            overdue * weights["per_overdue_recommendation"],
        )
        councils = councils_of[force.pk]
        judged = [(c, ofsted[c.code]) for c in councils if c.code in ofsted]
        if judged:
            points = [weights["ofsted_points"].get(j, 0) for _, j in judged]
            counts = {}
            for _, j in judged:
                counts[j] = counts.get(j, 0) + 1
            text = ", ".join(f"{n} {j.lower()}" for j, n in sorted(counts.items()))
            fp.add(
                "Ofsted judgements of the councils in the force area",
                f"{text} ({len(judged)} of {len(councils)} councils judged)",
                weights["ofsted_weight"] * sum(points) / len(points),
            )
        else:
            fp.add(
                "Ofsted judgements of the councils in the force area",
                "not applicable (Wales)" if force.country == "wales" else "not available",
                0,
            )
        counted = [c for c in councils if cpp.get(c.code) is not None and population.get(c.code)]
        if counted and england_rate:
            rate = (
                10000 * sum(cpp[c.code] for c in counted) / sum(population[c.code] for c in counted)
            )
            above = max(0.0, rate / england_rate - 1)
            missing = len(councils) - len(counted)
            fp.add(
                f"Child protection plan rate per 10,000 children ({year})",
                f"{rate:.1f} against England's {england_rate:.1f}"
                + (f"; {missing} council(s) suppressed or not available" if missing else ""),
                min(
                    weights["cpp_rate_cap"],
                    weights["cpp_rate_points_per_10_percent_above"] * above * 10,
                ),
            )
        else:
            fp.add(
                f"Child protection plan rate per 10,000 children ({year})",
                "not applicable (Wales)" if force.country == "wales" else "not available",
                0,
            )
        out.append(fp)
    out.sort(key=lambda fp: (-fp.score, fp.name))
    for rank, fp in enumerate(out, start=1):
        fp.rank = rank
    return out


def solver_priorities(priorities: list[ForcePriority]) -> dict[str, int]:
    """Force code -> 0..100 for the solver (the highest score is 100)."""
    top = max((fp.score for fp in priorities), default=0) or 1
    return {fp.code: round(100 * max(fp.score, 0) / top) for fp in priorities}
