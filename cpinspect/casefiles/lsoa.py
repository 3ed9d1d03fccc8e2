"""The upper-tier council of a police.uk row, from its LSOA name ("Basildon 012A").

An LSOA's name is its district's name, a space, three digits and a letter. The district
names of the ONS lookup of April 2023 (``registry/data/LTLA23_UTLA23_lookup_EW_Apr23.csv``,
lower tier -> upper tier) cover the LSOA names of 2021; names of districts abolished since
2011 ("Taunton Deane", "Aylesbury Vale", "Shepway") are in
``registry/data/district_successors_2019_2023.csv`` with the district that took their area.
ONS names such as "Bristol, City of" appear in LSOA names as "Bristol".
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import polars as pl

from cpinspect import registry

DATA_DIR = Path(registry.__file__).resolve().parent / "data"
COUNCILS_FILE = "LTLA23_UTLA23_lookup_EW_Apr23.csv"  # as registry.reference_data reads it
SUCCESSORS_FILE = "district_successors_2019_2023.csv"
LSOA_NAME = r"^(.+?) \d{3}[A-Z]$"


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _rows(file_name: str) -> list[dict]:
    with (DATA_DIR / file_name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def council_of_district() -> dict[str, str]:
    """District name (case-folded) -> upper-tier council code."""
    upper_tier = {}
    names = {}
    for row in _rows(COUNCILS_FILE):
        upper_tier[row["LTLA23CD"]] = row["UTLA23CD"]
        name = row["LTLA23NM"]
        names[_key(name)] = row["UTLA23CD"]
        if name.endswith((", City of", ", County of")):
            names.setdefault(_key(name.split(",")[0]), row["UTLA23CD"])
    for row in _rows(SUCCESSORS_FILE):
        names.setdefault(_key(row["district_name"]), upper_tier[row["successor_code"]])
    return names


def district_of(lsoa_names: pl.Expr) -> pl.Expr:
    """The district part of each LSOA name (None when the name is not of that form)."""
    return lsoa_names.str.strip_chars().str.extract(LSOA_NAME, 1)


def councils_of(lsoa_names: pl.Series) -> pl.Series:
    """The upper-tier council code of each LSOA name; None when unknown or not given."""
    districts = lsoa_names.to_frame("n").select(district_of(pl.col("n"))).to_series()
    keys = districts.drop_nulls().unique().to_list()
    lookup = council_of_district()
    found = {k: lookup.get(_key(k)) for k in keys}
    return districts.replace_strict(found, default=None, return_dtype=pl.String)
