"""The console commands: generate_extract, import_extract, draw_sample."""

import json

import polars as pl
import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_generate_import_and_draw(inspection, people, tmp_path, capsys):
    out = tmp_path / "essex.csv"
    call_command(
        "generate_extract",
        force="E23000028",
        rows=500,
        seed=3,
        out=str(out),
        bad_rows=14,
        until="2026-09-30",
    )
    assert "Wrote 514 rows" in capsys.readouterr().out
    frame = pl.read_csv(out, infer_schema=False)
    assert frame.height == 514
    assert set(frame["council_code"].drop_nulls()) <= {"E06000034", "E10000012", "E10000016"}
    call_command(
        "import_extract",
        str(out),
        inspection=inspection.pk,
        profile="canonical",
        user=people["lead"].email,
        json=True,
    )
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "imported"
    assert result["rows_read"] == 514
    # 14 bad rows cycle through 7 kinds; council_outside_force rows are warnings (accepted)
    assert result["rows_rejected"] == 12
    assert result["rows_accepted"] == 502
    assert set(result["problems"]) == {
        "duplicate_reference",
        "invalid_date",
        "unknown_category",
        "age_out_of_range",
        "missing_reference",
        "impossible_date",
        "council_outside_force",
    }
    call_command(
        "draw_sample", inspection=inspection.pk, user=people["lead"].email, seed=1, json=True
    )
    drawn = json.loads(capsys.readouterr().out)
    assert drawn["total"] == 70 and drawn["seed"] == 1


def test_generator_is_deterministic(tmp_path):
    from cpinspect.casefiles import generator

    a = generator.generate(rows=100, seed=5, councils=["E1"], bad_rows=7)
    b = generator.generate(rows=100, seed=5, councils=["E1"], bad_rows=7)
    assert a.equals(b)
    assert a["case_ref"].drop_nulls().str.starts_with("SYN/").all()


def test_import_refused_needs_accept_rejections(inspection, people, tmp_path, capsys):
    from tests.casefiles.test_validation import HEADER, ROWS

    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "\n".join(ROWS) + "\n")
    args = [str(path)]
    kwargs = dict(inspection=inspection.pk, user=people["lead"].email, no_progress=True)
    with pytest.raises(CommandError, match="--accept-rejections"):
        call_command("import_extract", *args, **kwargs)
    call_command(
        "import_extract", *args, accept_rejections=True, **{**kwargs, "no_progress": False}
    )
    text = capsys.readouterr().out
    assert "Imported" in text and "line 5: case reference: Duplicate case reference" in text
    assert "ESX-0001" not in text


def test_commands_check_the_team(inspection, people, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("case_ref,recorded_on,category\nA,2026-01-01,cse\n")
    with pytest.raises(CommandError, match="not on the team"):
        call_command(
            "import_extract", str(path), inspection=inspection.pk, user=people["other_lead"].email
        )
    with pytest.raises(CommandError, match="--user"):
        call_command("draw_sample", inspection=inspection.pk)
    with pytest.raises(CommandError, match="no imported extract"):
        call_command("draw_sample", inspection=inspection.pk, user=people["lead"].email)


def test_malformed_file_fails_cleanly(inspection, people, tmp_path, capsys):
    path = tmp_path / "x.csv"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(
            "import_extract",
            str(path),
            inspection=inspection.pk,
            user=people["lead"].email,
            no_progress=True,
        )
    assert "The file is empty." in capsys.readouterr().out


@pytest.mark.parametrize(
    "command", ["import_extract", "draw_sample", "generate_extract", "check_profile"]
)
def test_help_works(command):
    from django.core.management import load_command_class

    parser = load_command_class("cpinspect.casefiles", command).create_parser("cpinspect", command)
    assert parser.format_help()
