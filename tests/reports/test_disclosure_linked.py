"""Disclosure control across everything published (issue 13, items 2 to 6; ADR 0023): the
independent attacker (tests/disclosure_attacker.py) is given every published version of
every report, as stored, and must recover nothing the policy protects."""

import pytest
from django.core.exceptions import ValidationError

from cpinspect.reports import services
from cpinspect.reports.models import Report
from tests.disclosure_attacker import attack, publications_of
from tests.reports.conftest import publish

pytestmark = pytest.mark.django_db


def _public():
    return list(Report.objects.filter(status__in=["published", "superseded"]).order_by("pk"))


def test_force_reports_a_thematic_report_and_a_correction_give_nothing_away(
    quick_inspection, quick_kent, people
):
    essex = publish(quick_inspection, people)
    kent = publish(quick_kent, people, "other_lead")
    thematic = services.thematic_build(
        user=people["analyst"], inspections=[quick_inspection, quick_kent], title="Two forces"
    )
    thematic = services.report_publish(report=thematic, user=people["programme_manager"])
    corrected = services.report_correct(
        report=essex, user=people["programme_manager"], note="A word in the summary."
    )
    publications = publications_of(_public())
    assert len(publications) == 4  # Essex v1 and v2, Kent, the thematic report
    found = attack(publications)
    print(f"\nattacker on the published set: {found.tables} tables, {found.cells} [c] tried")
    # item 2 (thematic less a force report), item 3 (its coverage), item 4 (two versions)
    assert not found.recovered, found.recovered
    assert not found.small, found.small
    assert found.cells > 10  # there was something to attack

    # item 4: a correction keeps its predecessor's protection
    def hidden(report):
        rows = report.data["results"]["rows"]
        return {(r["theme"], c["grade"]) for r in rows for c in r["cells"] if c["count"] == "[c]"}

    essex.refresh_from_db()
    assert essex.status == "superseded"
    assert hidden(essex) <= hidden(corrected)

    # item 3: the thematic's coverage is the inspections' published totals, not a [c]
    totals = {r.inspection_id: r.data["results"]["cases"] for r in (essex, kent)}
    assert {r["inspection_id"]: r["cases"] for r in thematic.data["coverage"]["rows"]} == totals

    # item 5: one base, published once: cases graded per theme is a design figure, shown in
    # the results table and equal to the annex's cases drawn (every drawn case was graded)
    for report in (essex, kent, corrected):
        annex = {r["label"].lower(): r for r in report.data["methodology"]["sample"]["rows"]}
        for row in report.data["results"]["rows"]:
            assert isinstance(row["base"], int)
            assert annex[row["label"].lower()]["drawn"] == f"{row['base']:,}"

    # item 6: no reserve count is withheld that the documented rule gives away
    for report in (essex, kent, corrected):
        for row in report.data["methodology"]["sample"]["rows"]:
            assert "[c]" not in (row["drawn"], row["reserves"])


def test_the_attacker_finds_what_per_table_protection_gave_away():
    """The attacker is not toothless: the issue's published figures, as they were."""
    from tests.disclosure_attacker import Publication

    def table(rows, overall):
        return {
            "rows": [
                {
                    "theme": t,
                    "label": t,
                    "base": base,
                    "cells": [{"grade": g, "count": v} for g, v in zip("gra", cells, strict=True)],
                }
                for t, cells, base in rows
            ],
            "overall": {
                "base": overall[1],
                "cells": [{"grade": g, "count": v} for g, v in zip("gra", overall[0], strict=True)],
            },
        }

    # item 1: the corrected Staffordshire row [c] | 6 | [c] | 8
    row = Publication("v2", (1,), table([("online", ["[c]", 6, "[c]"], 8)], (["[c]", 6, "[c]"], 8)))
    found = attack([row])
    assert ("v2: online / g", 1, 1) in found.recovered
    # item 2: a thematic of Staffordshire (1) and Kent (2) less Staffordshire's report
    staffs = Publication("staffs", (1,), table([("vr", [7, 8, 9], 24)], ([7, 8, 9], 24)))
    kent = Publication(
        "kent", (2,), table([("vr", ["[c]", "[c]", 9], 14)], (["[c]", "[c]", 9], 14))
    )
    both = Publication("thematic", (1, 2), table([("vr", [10, 10, 18], 38)], ([10, 10, 18], 38)))
    found = attack([staffs, kent, both])
    assert ("kent: vr / g", 3, 3) in found.recovered
    # item 6: reserves withheld, drawn shown: the rule max(2, ceil(n / 4)) gives them
    annex = Publication(
        "annex",
        (3,),
        {},
        sample={"rows": [{"label": "CSE", "population": "40", "drawn": "7", "reserves": "[c]"}]},
    )
    assert ("annex: CSE reserves", 2, 2) in attack([annex]).recovered


def test_a_thematic_report_of_one_inspection_is_refused(quick_inspection, people):
    # item 3: with one inspection the thematic's tables are that force report's, and its
    # coverage cell is the total the results table withheld
    with pytest.raises(ValidationError, match="at least 2 inspections with graded cases"):
        services.thematic_build(
            user=people["analyst"], inspections=[quick_inspection], title="One force"
        )
