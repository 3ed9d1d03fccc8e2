"""CSV and JSON downloads and the data dictionary: every column described, figures as on the
page, markers kept, and nothing at case level."""

import csv
import datetime as dt
import html
import io
import json
import re
from collections import Counter

import pytest
from django.urls import reverse

from cpinspect.casefiles import generator
from cpinspect.casefiles import services as casefile_services
from cpinspect.national import opendata, selectors
from cpinspect.registry.reference_data import load

pytestmark = pytest.mark.django_db

PEEL_2016_COLUMN = "grade__peel_2016_effectiveness__overall_effectiveness"
PEEL_2015_COLUMN = "grade__peel_2015_effectiveness_vulnerability__vulnerability"


def csv_rows(client):
    response = client.get(reverse("national-data-csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="national-picture.csv"'
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8")))
    return reader.fieldnames, list(reader)


def json_data(client):
    response = client.get(reverse("national-data-json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def test_the_csv_has_one_row_per_force_and_the_documented_columns(national, client):
    header, rows = csv_rows(client)
    documented = [c.name for c in opendata.columns(selectors.published_assessments())]
    assert header == documented
    assert len(rows) == 43 and len({row["force_code"] for row in rows}) == 43
    assert Counter(row[PEEL_2016_COLUMN] for row in rows) == {
        "Outstanding": 1,
        "Good": 28,
        "Requires improvement": 13,
        "Inadequate": 1,
    }
    # Forces not in the partial 2015 list are [x], never guessed.
    assert Counter(row[PEEL_2015_COLUMN] for row in rows)["[x]"] == 24


def test_the_csv_figures_and_markers(national, client):
    _header, rows = csv_rows(client)
    by_name = {row["force_name"]: row for row in rows}
    durham = by_name["Durham"]
    assert durham[PEEL_2016_COLUMN] == "Outstanding"
    assert durham["councils"] == "E06000047;E06000005"
    assert (durham["children_in_need_count"], durham["children_in_need_per_10000"]) == (
        "5417",
        f"{10000 * 5417 / 123203:.1f}",
    )
    assert durham["child_population"] == "123203"
    assert durham["ofsted_help_and_protection_good"] == "2"
    assert durham["councils_with_withheld_figures"] == ""
    devon = by_name["Devon and Cornwall"]
    assert devon["child_protection_plans_count"] == "[c]"
    assert devon["child_protection_plans_per_10000"] == "[c]"
    assert devon["councils_with_withheld_figures"] == "E06000053 child protection plans [c]"
    gwent = by_name["Gwent"]
    assert gwent["children_in_need_per_10000"] == "[z]"
    assert gwent["ofsted_help_and_protection_good"] == "[z]"


def paths_of(value, prefix=""):
    """Every leaf path of a JSON value; list items as [], dictionary keys as given."""
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            yield from paths_of(inner, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list) and value:
        for inner in value:
            yield from paths_of(inner, f"{prefix}[]")
    else:
        yield prefix


def test_every_json_field_is_documented(national, client):
    data = json_data(client)
    found = set()
    for path in paths_of(data):
        path = re.sub(r"^markers\..*", "markers", path)
        path = re.sub(r"^(england|forces\[\]\.rates)\.\w+\.", r"\1.<statistic>.", path)
        path = re.sub(r"figures\.\w+\.", "figures.<figure>.", path)
        found.add(path)
    documented = {path for path, _meaning in opendata.JSON_FIELDS}
    # A council without an Ofsted judgement (Wales) is null: the parent path is documented.
    assert found - documented == set()
    leaf_parents = {"forces[].councils[].ofsted_help_and_protection"}
    assert documented - found <= leaf_parents


def test_the_json_figures_and_totals(national, client):
    data = json_data(client)
    assert data["licence"]["name"] == "Open Government Licence v3.0"
    assert data["dfe_year"] == 2025
    by_code = {force["code"]: force for force in data["forces"]}
    durham = by_code["E23000008"]
    assert durham["rates"]["children_in_need"] == {
        "count": {"value": 5417, "marker": None},
        "per_10000": 439.7,
        "marker": None,
    }
    plans = by_code["E23000035"]["rates"]["child_protection_plans"]
    assert plans == {"count": {"value": None, "marker": "[c]"}, "per_10000": None, "marker": "[c]"}
    scilly = next(c for c in by_code["E23000035"]["councils"] if c["code"] == "E06000053")
    assert scilly["figures"]["child_protection_plans"] == {"value": None, "marker": "[c]"}
    assessments = {a["key"]: a for a in data["assessments"]}
    vulnerability = assessments["peel-2015-effectiveness-vulnerability--vulnerability"]
    totals = {c["grade"]: c["published_national_total"] for c in vulnerability["counts"]}
    assert totals == {
        "outstanding": 0,
        "good": 12,
        "requires_improvement": 27,
        "inadequate": 4,
        "not_available": None,
    }
    overall = assessments["peel-2016-effectiveness--overall-effectiveness"]
    listed = {c["grade"]: c["forces_listed"] for c in overall["counts"]}
    assert listed == {"outstanding": 1, "good": 28, "requires_improvement": 13, "inadequate": 1}


def test_the_data_dictionary_covers_every_column_and_field(national, client):
    response = client.get(reverse("national-data-dictionary"))
    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    header, _rows = csv_rows(client)
    for column in header:
        assert f'<code class="app-pre-wrap">{column}</code>' in text, column
    for path, meaning in opendata.JSON_FIELDS:
        assert f'<code class="app-pre-wrap">{path}</code>' in text, path
        assert meaning in text
    for marker in ("[c]", "[x]", "[z]", "[u]"):
        assert f'<dt class="govuk-summary-list__key">{marker}</dt>' in text


def _without_nonce(content: bytes) -> bytes:
    """The page less its inline script's nonce, which is new on every response (the CSP)."""
    return re.sub(rb'nonce="[^"]*"', b'nonce=""', content)


def test_no_case_level_data_reaches_any_output(inspection, people, client, tmp_path, monkeypatch):
    """A real case extract in the database changes nothing in the pages or the downloads."""
    monkeypatch.setenv("CPINSPECT_CASEFILES_DIR", str(tmp_path / "casefiles"))
    monkeypatch.setenv("CPINSPECT_PSEUDONYM_KEY", "test-master-secret-not-for-production")
    load()  # the whole register, over the two forces the inspection fixture made
    urls = [reverse(name) for name in ("national-data-csv", "national-data-json")]
    urls += [reverse("national-picture"), reverse("national-data-dictionary")]
    before = {url: _without_nonce(client.get(url).content) for url in urls}

    frame = generator.generate(
        rows=120, seed=7, councils=["E06000034", "E10000012"], until=dt.date(2026, 9, 30)
    )
    extract = casefile_services.extract_import(
        inspection=inspection,
        user=people["lead"],
        data=frame.write_csv().encode("utf-8"),
        profile_name="canonical",
        via="cli",
        today=dt.date(2026, 10, 1),
    )
    assert extract.status == "imported"
    after = {url: _without_nonce(client.get(url).content) for url in urls}
    assert after == before
    references = frame["case_ref"].to_list()
    assert references
    for content in after.values():
        text = content.decode()
        assert not any(reference in text for reference in references)
        assert "case_ref" not in text
