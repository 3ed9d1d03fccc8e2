"""The validation report, paged: counts by kind, then the rows, on the page (GOV.UK
pagination), in the API (page by page) and on the command line (a summary, or every row to a
CSV file); in words, naming the file, the line and the column."""

import csv
import io
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from cpinspect.casefiles import services
from cpinspect.casefiles.models import ExtractProblem
from tests.casefiles.conftest import TODAY

pytestmark = pytest.mark.django_db
BAD_DATES, BAD_CATEGORIES = 700, 534  # rows with each problem, interleaved


def bad_file() -> tuple[bytes, dict]:
    """A canonical file whose problems are known line by line (the header is line 1)."""
    lines, expected = ["case_ref,recorded_on,category"], {}
    for i in range(BAD_DATES + BAD_CATEGORIES + 300):
        line = i + 2
        if i < 2 * BAD_CATEGORIES and i % 2:
            lines.append(f"ESX-{i:06d},2026-01-05,not a category")
            expected[line] = "unknown_category"
        elif i < BAD_DATES + BAD_CATEGORIES and (i % 2 == 0 or i >= 2 * BAD_CATEGORIES):
            lines.append(f"ESX-{i:06d},2026-02-31,cse")
            expected[line] = "invalid_date"
        else:
            lines.append(f"ESX-{i:06d},2026-01-05,cse")
    return ("\n".join(lines) + "\n").encode(), expected


@pytest.fixture
def extract(inspection, people):
    data, _ = bad_file()
    return services.extract_import(
        inspection=inspection,
        user=people["lead"],
        data=data,
        profile_name="canonical",
        via="cli",
        accept_rejections=True,
        today=TODAY,
        file_name="essex-2026-q1.csv",
    )


def test_the_stored_report_is_every_problem_by_line(extract):
    _, expected = bad_file()
    assert extract.problem_counts == {"invalid_date": BAD_DATES, "unknown_category": BAD_CATEGORIES}
    rows = list(ExtractProblem.objects.filter(extract=extract).order_by("seq"))
    assert [(r.line, r.problem) for r in rows] == sorted(expected.items())
    assert [r.seq for r in rows] == list(range(len(rows)))
    dates = [r for r in rows if r.problem == "invalid_date"]
    assert [r.kind_seq for r in dates] == list(range(BAD_DATES))


def test_the_report_cannot_be_changed_or_deleted(extract):
    from django.db import DatabaseError, transaction

    row = ExtractProblem.objects.filter(extract=extract).first()
    for change in (
        lambda: ExtractProblem.objects.filter(pk=row.pk).update(found="edited"),
        lambda: ExtractProblem.objects.filter(pk=row.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
            change()


def page_of(client, extract, **query):
    url = reverse("casefiles-extract-detail", args=[extract.inspection_id, extract.pk])
    response = client.get(url, query)
    assert response.status_code == 200
    return response.content.decode()


def shown_lines(html: str) -> list[int]:
    body = html[html.index("by line (page") :]
    return [
        int(n) for n in re.findall(r'cell--numeric">(\d+)</td><td class="govuk-table__cell">', body)
    ]


def test_the_page_shows_counts_by_kind_then_rows_page_by_page(client, extract, people):
    _, expected = bad_file()
    client.force_login(people["lead"])
    html = page_of(client, extract)
    assert "Import " in html and "essex-2026-q1.csv" in html
    kinds = html[html.index("by kind") : html.index("</table>", html.index("by kind"))]
    assert "Not a real date" in kinds and "700" in kinds and "Unknown category" in kinds
    assert "date recorded" in kinds and "DD/MM/YYYY" in kinds
    assert ">invalid_date<" not in html and ">recorded_on<" not in html  # no codes on screen
    everything = sorted(expected)
    assert shown_lines(html) == everything[:100]
    last = page_of(client, extract, page=13)
    assert shown_lines(last) == everything[1200:]
    assert 'aria-current="page">13<' in last
    middle = page_of(client, extract, page=7)
    assert shown_lines(middle) == everything[600:700]
    assert (
        "&ctdot;" in middle and 'aria-label="Page 1"' in middle and 'aria-label="Page 13"' in middle
    )
    dates = [line for line in everything if expected[line] == "invalid_date"]
    only = page_of(client, extract, problem="invalid_date", page=2)
    assert shown_lines(only) == dates[100:200]
    assert "Not a real date: rows 101 to 200 of 700" in only
    assert "?problem=invalid_date&amp;page=3#report" in only
    assert shown_lines(page_of(client, extract, page="999")) == everything[1200:]  # the last
    assert shown_lines(page_of(client, extract, page="x", problem="nonsense")) == everything[:100]


def test_the_api_gives_counts_and_pages_of_rows(client, extract, people):
    _, expected = bad_file()
    client.force_login(people["analyst"])
    detail = client.get(f"/api/inspections/{extract.inspection_id}/extracts/{extract.pk}/").json()
    assert "report" not in detail and detail["file_name"] == "essex-2026-q1.csv"
    assert [(k["problem"], k["rows"], k["column"]) for k in detail["problems"]] == [
        ("invalid_date", BAD_DATES, "recorded_on"),
        ("unknown_category", BAD_CATEGORIES, "category"),
    ]
    url, seen = detail["problems_url"] + "?page_size=300", []
    while url:
        body = client.get(url).json()
        assert body["count"] == BAD_DATES + BAD_CATEGORIES and len(body["results"]) <= 300
        seen += [(r["line"], r["problem"]) for r in body["results"]]
        url = body["next"]
    assert seen == sorted(expected.items())
    row = body["results"][0]
    assert set(row) == {
        "line",
        "field",
        "column",
        "problem",
        "label",
        "severity",
        "found",
        "expected",
    }
    one = client.get(detail["problems_url"], {"problem": "unknown_category", "page_size": 5000})
    assert one.json()["pages"] == 1 and len(one.json()["results"]) == BAD_CATEGORIES  # at most 1000


def test_the_command_summarises_and_writes_every_row_to_csv(inspection, people, tmp_path):
    data, expected = bad_file()
    path, report = tmp_path / "essex.csv", tmp_path / "report.csv"
    path.write_bytes(data)
    out = io.StringIO()
    call_command(
        "import_extract",
        str(path),
        inspection=inspection.pk,
        user=people["lead"].email,
        accept_rejections=True,
        no_progress=True,
        report=str(report),
        stdout=out,
    )
    text = out.getvalue()
    assert "Extract" in text and "essex.csv (CSV, UTF-8, fields separated by commas)" in text
    assert len(text.splitlines()) < 40
    assert f"{len(expected) - 20} more" in text
    with report.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(int(r["line"]), r["problem"]) for r in rows] == sorted(expected.items())
    assert rows[0]["label"] in ("Not a real date", "Unknown category")
    out = io.StringIO()
    call_command(
        "import_extract",
        str(path),
        inspection=inspection.pk,
        user=people["lead"].email,
        accept_rejections=True,
        json=True,
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert len(result["first_problems"]) == 20 and "report" not in result
    assert result["problems"] == {"invalid_date": BAD_DATES, "unknown_category": BAD_CATEGORIES}
