"""The scheduling problem and its answer as plain data: no Django, no solver.

The solver (``solver.py``) and the independent checker (``checker.py``) both read these
dataclasses; the database is turned into a ``Problem`` by ``inputs.py``, and a solved ``Plan``
is stored by ``services.py``. Keeping the problem plain makes it serialisable (each stored plan
keeps the exact problem it solved) and lets the benchmark build one without a database.
"""

from __future__ import annotations

import csv
import math
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

METROPOLITAN_POLICE = "E23000001"

# The themes a child protection inspection must cover, each by at least one specialist.
THEMES = (
    "child_protection",
    "online_exploitation",
    "custody",
    "sex_offender_management",
)
THEME_LABELS = {
    "child_protection": "Child protection",
    "online_exploitation": "Online exploitation",
    "custody": "Custody",
    "sex_offender_management": "Sex offender management",
}

# Rule groups: each hard rule has a name a planner recognises. The checker reports violations
# under these names and the infeasibility explanation uses the same ones.
RULES = {
    "one_slot": "Each inspection has exactly one fieldwork slot inside the programme year",
    "notice": "Notice period before fieldwork",
    "deadline": "Fieldwork must start by the date the planner set",
    "peel": "No child protection fieldwork in a force during its PEEL fieldwork",
    "team": "Team size and one lead inspector who can lead",
    "themes": "Specialists cover every theme of the inspection",
    "metropolitan": "The Metropolitan Police needs a larger team and longer fieldwork",
    "one_place": "Nobody in two places at once",
    "absence": "Leave, training and other commitments",
    "conflict": "No inspector on a force they served in or inspected recently",
    "capacity": "Part-time availability (fieldwork fortnights a year)",
    "concurrency": "At most K inspections in fieldwork at once",
}


@cache
def force_regions() -> dict[str, str]:
    """Force code -> police region (nine English regions and Wales), from the app's data file."""
    with open(DATA_DIR / "force_regions.csv", newline="", encoding="utf-8") as handle:
        return {row["force_code"]: row["police_region"] for row in csv.DictReader(handle)}


# Rough centre of each region (latitude, longitude), for the travel goal only.
REGION_CENTRES = {
    "North East": (54.9, -1.6),
    "North West": (53.6, -2.6),
    "Yorkshire and the Humber": (53.8, -1.3),
    "East Midlands": (52.9, -1.0),
    "West Midlands": (52.5, -2.1),
    "Eastern": (52.2, 0.5),
    "London": (51.5, -0.1),
    "South East": (51.3, -0.8),
    "South West": (50.9, -3.3),
    "Wales": (52.1, -3.6),
}


def travel_units(region_a: str, region_b: str) -> int:
    """Distance between two regions' centres in tens of kilometres (0 within a region)."""
    if region_a == region_b or region_a not in REGION_CENTRES or region_b not in REGION_CENTRES:
        return 0
    (la1, lo1), (la2, lo2) = REGION_CENTRES[region_a], REGION_CENTRES[region_b]
    x = math.radians(lo2 - lo1) * math.cos(math.radians((la1 + la2) / 2))
    y = math.radians(la2 - la1)
    return max(1, round(6371 * math.hypot(x, y) / 10))


@dataclass(frozen=True)
class Slot:
    index: int
    starts_on: date
    ends_on: date  # the Friday of the second week


def fortnights(first_day: date, last_day: date) -> list[Slot]:
    """Fieldwork fortnights: Monday to the Friday after next, inside [first_day, last_day]."""
    start = first_day + timedelta(days=(7 - first_day.weekday()) % 7)
    slots = []
    while start + timedelta(days=11) <= last_day:
        slots.append(Slot(len(slots), start, start + timedelta(days=11)))
        start += timedelta(days=14)
    return slots


@dataclass
class Task:
    """One inspection to place in a slot and staff."""

    id: int
    label: str
    force_code: str
    kind: str
    themes: tuple[str, ...]
    team_size: int  # including the lead
    duration: int  # in slots
    priority: int = 0  # 0..100, higher goes earlier
    earliest_slot: int = 0  # from the notice period
    blocked_slots: tuple[int, ...] = ()  # slots overlapping the force's PEEL fieldwork
    latest_slot: int | None = None  # a force that must go earlier: start no later than this

    @property
    def region(self) -> str:
        return force_regions().get(self.force_code, "")


@dataclass
class Person:
    id: int
    name: str
    can_lead: bool
    specialisms: tuple[str, ...]
    region: str
    capacity: int  # fieldwork slots a year (part-time fraction x full-time allowance)
    unavailable: dict[int, str] = field(default_factory=dict)  # slot -> reason
    conflicts: dict[str, str] = field(default_factory=dict)  # force code -> reason


@dataclass
class Problem:
    slots: list[Slot]
    tasks: list[Task]
    people: list[Person]
    max_concurrent: int
    # Slots already taken by fieldwork outside this plan (e.g. notified inspections).
    busy_slots: dict[int, int] = field(default_factory=dict)  # slot -> inspections already on

    def task(self, task_id):
        return next(t for t in self.tasks if t.id == task_id)

    def person(self, person_id):
        return next(p for p in self.people if p.id == person_id)

    def to_json(self) -> dict:
        data = asdict(self)
        for slot in data["slots"]:
            slot["starts_on"] = slot["starts_on"].isoformat()
            slot["ends_on"] = slot["ends_on"].isoformat()
        for person in data["people"]:
            person["unavailable"] = {str(k): v for k, v in person["unavailable"].items()}
        data["busy_slots"] = {str(k): v for k, v in self.busy_slots.items()}
        return data

    @classmethod
    def from_json(cls, data: dict) -> Problem:
        return cls(
            slots=[
                Slot(
                    s["index"], date.fromisoformat(s["starts_on"]), date.fromisoformat(s["ends_on"])
                )
                for s in data["slots"]
            ],
            tasks=[
                Task(
                    **{
                        **t,
                        "themes": tuple(t["themes"]),
                        "blocked_slots": tuple(t["blocked_slots"]),
                    }
                )
                for t in data["tasks"]
            ],
            people=[
                Person(
                    **{
                        **p,
                        "specialisms": tuple(p["specialisms"]),
                        "unavailable": {int(k): v for k, v in p["unavailable"].items()},
                    }
                )
                for p in data["people"]
            ],
            max_concurrent=data["max_concurrent"],
            busy_slots={int(k): v for k, v in data.get("busy_slots", {}).items()},
        )


@dataclass
class Placement:
    task_id: int
    slot: int
    lead: int
    members: tuple[int, ...]  # everyone on the team, the lead included


@dataclass
class Plan:
    placements: dict[int, Placement]  # task id -> placement

    def to_json(self) -> list[dict]:
        return [
            {"task": p.task_id, "slot": p.slot, "lead": p.lead, "members": sorted(p.members)}
            for p in sorted(self.placements.values(), key=lambda p: (p.slot, p.task_id))
        ]

    @classmethod
    def from_json(cls, rows: list[dict]) -> Plan:
        return cls(
            {
                r["task"]: Placement(r["task"], r["slot"], r["lead"], tuple(r["members"]))
                for r in rows
            }
        )


def plan_changes(before: Plan, after: Plan) -> dict:
    """What moved between two plans: slot moves and team changes, per inspection."""
    moved, joined, left, lead_changed = [], [], [], []
    for task_id, new in after.placements.items():
        old = before.placements.get(task_id)
        if old is None:
            continue
        if old.slot != new.slot:
            moved.append({"task": task_id, "from": old.slot, "to": new.slot})
        for person in sorted(set(new.members) - set(old.members)):
            joined.append({"task": task_id, "person": person})
        for person in sorted(set(old.members) - set(new.members)):
            left.append({"task": task_id, "person": person})
        if old.lead != new.lead:
            lead_changed.append({"task": task_id, "from": old.lead, "to": new.lead})
    added = sorted(set(after.placements) - set(before.placements))
    removed = sorted(set(before.placements) - set(after.placements))
    return {
        "moved": moved,
        "joined": joined,
        "left": left,
        "lead_changed": lead_changed,
        "added": added,
        "removed": removed,
        # One "assignment moved" per changed slot, per person taken off an inspection and per
        # change of lead.
        "assignments_moved": len(moved) + len(left) + len(lead_changed),
    }
