"""police.uk-shaped files made by the tests: street, outcomes and stop-and-search files as the
monthly archives publish them (columns, Crime IDs, LSOA names, anti-social behaviour rows).

Every value is made up from a seed; nothing is real. Crime IDs are 64-character hex strings,
as police.uk's are; LSOA names are "<district> <3 digits><letter>".
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
from dataclasses import dataclass, field

STREET_COLUMNS = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]
# An older street format: no outcome and no context columns.
OLDER_STREET_COLUMNS = STREET_COLUMNS[:10]
OUTCOMES_COLUMNS = [*STREET_COLUMNS[:9], "Outcome type"]
STOP_AND_SEARCH_COLUMNS = [
    "Type",
    "Date",
    "Part of a policing operation",
    "Policing operation",
    "Latitude",
    "Longitude",
    "Gender",
    "Age range",
    "Self-defined ethnicity",
    "Officer-defined ethnicity",
    "Legislation",
    "Object of search",
    "Outcome",
    "Outcome linked to object of search",
    "Removal of more than just outer clothing",
]
CRIME_TYPES = [
    "Violence and sexual offences",
    "Public order",
    "Criminal damage and arson",
    "Other theft",
    "Shoplifting",
    "Burglary",
    "Vehicle crime",
    "Drugs",
    "Robbery",
    "Possession of weapons",
    "Theft from the person",
    "Bicycle theft",
    "Other crime",
]
OUTCOMES = [
    "Investigation complete; no suspect identified",
    "Unable to prosecute suspect",
    "Under investigation",
    "Awaiting court outcome",
    "Offender given a caution",
]
OUTCOME_TYPES = [
    "Suspect charged",
    "Offender sent to prison",
    "Offender fined",
    "Court result unavailable",
    "Local resolution",
]
# Districts of each force's area, as police.uk LSOA names start (2011 names included).
FORCE_DISTRICTS = {
    "Kent Police": ["Maidstone", "Canterbury", "Medway", "Swale", "Dartford", "Shepway"],
    "West Yorkshire Police": ["Leeds", "Bradford", "Wakefield", "Kirklees", "Calderdale"],
    "Avon and Somerset Constabulary": [
        "Bristol",
        "North Somerset",
        "Bath and North East Somerset",
        "South Gloucestershire",
        "Mendip",
        "Taunton Deane",
    ],
    "Essex Police": ["Basildon", "Chelmsford", "Colchester", "Thurrock", "Southend-on-Sea"],
    "City of London Police": ["City of London"],
}


def crime_id(seed, i) -> str:
    return hashlib.sha256(f"police.uk crime {seed} {i}".encode()).hexdigest()


def lsoa(district: str, rng: random.Random) -> str:
    return f"{district} {rng.randint(1, 40):03d}{rng.choice('ABCDE')}"


@dataclass
class File:
    """A made-up file: its bytes and what the test needs to know about it."""

    columns: list[str]
    rows: list[dict] = field(default_factory=list)
    crime_ids: list[str] = field(default_factory=list)  # every Crime ID written (with repeats)

    def csv(self, *, header: list[str] | None = None, delimiter=",", encoding="utf-8") -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header or self.columns)
        for row in self.rows:
            writer.writerow([row.get(c, "") for c in self.columns])
        return out.getvalue().encode(encoding)

    @property
    def references(self) -> set[str]:
        return {c for c in self.crime_ids if c}


def street_file(
    *,
    force="Kent Police",
    rows=400,
    seed=1,
    month="2019-01",
    asb_share=0.15,
    no_lsoa_share=0.05,
    outside=(),
    columns=STREET_COLUMNS,
    repeats=0,
) -> File:
    """A street file of ``force``: anti-social behaviour rows have no Crime ID; a share of rows
    have no location and no LSOA; ``outside`` names districts of other councils, given to one
    row each; ``repeats`` Crime IDs appear twice."""
    rng = random.Random(seed)
    districts = FORCE_DISTRICTS[force]
    made = File(columns=list(columns))
    for i in range(rows):
        asb = rng.random() < asb_share
        located = rng.random() >= no_lsoa_share
        district = rng.choice(districts)
        row = {
            "Crime ID": "" if asb else crime_id(seed, i),
            "Month": month,
            "Reported by": force,
            "Falls within": force,
            "Longitude": f"{rng.uniform(-3, 1):.6f}" if located else "",
            "Latitude": f"{rng.uniform(50.5, 54):.6f}" if located else "",
            "Location": f"On or near Street {rng.randint(1, 300)}" if located else "No location",
            "LSOA code": f"E0100{rng.randint(1000, 9999)}" if located else "",
            "LSOA name": lsoa(district, rng) if located else "",
            "Crime type": "Anti-social behaviour" if asb else rng.choice(CRIME_TYPES),
            "Last outcome category": "" if asb else rng.choice(OUTCOMES),
            "Context": "",
        }
        made.rows.append(row)
    for j, district in enumerate(outside):
        row = made.rows[(j * 7 + 3) % rows]
        if not row["Crime ID"]:
            row["Crime ID"] = crime_id(seed, f"outside-{j}")
            row["Crime type"] = "Burglary"
        row["LSOA name"] = lsoa(district, rng)
        row["LSOA code"] = f"E0100{rng.randint(1000, 9999)}"
    for j in range(repeats):
        source = next(r for r in made.rows[j * 5 :] if r["Crime ID"])
        made.rows.append({**source})
    made.crime_ids = [r["Crime ID"] for r in made.rows]
    return made


def outcomes_file(*, force="Kent Police", crimes=200, seed=2, month="2019-03", repeat_share=0.55):
    """An outcomes file: ``repeat_share`` of its rows are further outcomes of crimes listed
    above them (police.uk lists each outcome of a crime on its own row)."""
    rng = random.Random(seed)
    districts = FORCE_DISTRICTS[force]
    made = File(columns=list(OUTCOMES_COLUMNS))
    ids = [crime_id(seed, i) for i in range(crimes)]
    listed: list[dict] = []
    for i, cid in enumerate(ids):
        district = rng.choice(districts)
        base = {
            "Crime ID": cid,
            "Month": month,
            "Reported by": force,
            "Falls within": force,
            "Longitude": f"{rng.uniform(-3, 1):.6f}",
            "Latitude": f"{rng.uniform(50.5, 54):.6f}",
            "Location": f"On or near Road {i}",
            "LSOA code": f"E0100{rng.randint(1000, 9999)}",
            "LSOA name": lsoa(district, rng),
            "Outcome type": rng.choice(OUTCOME_TYPES),
        }
        listed.append(base)
    made.rows = list(listed)
    extra = round(crimes * repeat_share / (1 - repeat_share))
    for _ in range(extra):
        again = rng.choice(listed)
        made.rows.append({**again, "Outcome type": rng.choice(OUTCOME_TYPES)})
    made.crime_ids = [r["Crime ID"] for r in made.rows]
    return made


def stop_and_search_file(*, rows=60, seed=3) -> File:
    rng = random.Random(seed)
    made = File(columns=list(STOP_AND_SEARCH_COLUMNS))
    for i in range(rows):
        made.rows.append(
            {
                "Type": rng.choice(["Person search", "Person and Vehicle search"]),
                "Date": f"2016-11-{1 + i % 28:02d}T{rng.randint(0, 23):02d}:10:00+00:00",
                "Gender": rng.choice(["Male", "Female"]),
                "Age range": rng.choice(["under 10", "10-17", "18-24", "25-34", "over 34"]),
                "Officer-defined ethnicity": rng.choice(["White", "Black", "Asian", "Other"]),
                "Legislation": "Misuse of Drugs Act 1971 (section 23)",
                "Object of search": "Controlled drugs",
                "Outcome": "Nothing found - no further action",
                "Removal of more than just outer clothing": "False",
            }
        )
    return made
