"""No raw case reference in the database (every text column of every table, the change
history included), the logs, the command output or the files written."""

import io
import json
import logging
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command
from django.db import connection

from cpinspect.casefiles import generator, sampling, services
from tests.casefiles.conftest import ESSEX_COUNCILS

pytestmark = pytest.mark.django_db


def _text_columns():
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT table_name, column_name FROM information_schema.columns
               WHERE table_schema = 'public'
                 AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')"""
        )
        return cursor.fetchall()


def _find_in_database(refs: set[str]) -> list[str]:
    found = []
    columns = _text_columns()
    tables = {t for t, _ in columns}
    assert "casefiles_sampledcaseevent" in tables and "casefiles_extractevent" in tables
    with connection.cursor() as cursor:
        for table, column in columns:
            cursor.execute(f'SELECT "{column}"::text FROM "{table}" WHERE "{column}" IS NOT NULL')
            for (value,) in cursor.fetchall():
                if any(ref in value for ref in refs):
                    found.append(f"{table}.{column}")
    return found


def _refs_of(data: bytes) -> set[str]:
    frame = pl.read_csv(data, infer_schema=False)
    return {r for r in frame["case_ref"].to_list() if r}


def test_raw_references_are_nowhere(
    inspection, people, casefiles_env, caplog, django_capture_on_commit_callbacks, tmp_path
):
    caplog.set_level(logging.DEBUG)
    frame = generator.generate(
        rows=600, seed=99, councils=ESSEX_COUNCILS, bad_rows=30, outside_council="E10000016"
    )
    data = frame.write_csv().encode()
    refs = _refs_of(data)
    assert len(refs) > 550
    path = tmp_path / "extract.csv"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_extract",
        str(path),
        inspection=inspection.pk,
        profile="canonical",
        user=people["lead"].email,
        json=True,
        stdout=out,
        stderr=err,
    )
    result = json.loads(out.getvalue())
    assert result["status"] == "imported"
    assert result["rows_rejected"] > 0  # the report has rows, none with a reference
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "draw_sample",
            inspection=inspection.pk,
            user=people["lead"].email,
            seed=5,
            stdout=out,
            stderr=err,
        )
    # a reveal and an unusable case write to the access log and the change history
    from cpinspect.casefiles.models import SampledCase

    case = SampledCase.objects.filter(status="sampled").first()
    revealed = services.sampled_case_reveal(case=case, user=people["lead"])
    assert revealed in refs
    services.sampled_case_mark_unusable(case=case, user=people["lead"], reason="not found")

    assert _find_in_database(refs) == []
    # the search does find what is there (a control): the lead's e-mail address
    assert "accounts_user.email" in _find_in_database({people["lead"].email})
    for ref in refs:
        assert ref not in caplog.text
        assert ref not in out.getvalue() and ref not in err.getvalue()
    files = [p for p in Path(casefiles_env).rglob("*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in files)
    assert not any(p.suffix == ".vault" for p in files)  # destroyed after the draw
    for file in files:
        blob = file.read_bytes()
        assert not any(ref.encode() in blob for ref in refs), file
        if file.suffix == ".parquet":
            table = pl.read_parquet(file)
            values = set()
            for column, dtype in table.schema.items():
                if dtype == pl.String:
                    values.update(v for v in table[column].to_list() if v)
            assert not any(ref in v for v in values for ref in refs)


def test_the_vault_is_encrypted(import_csv, casefiles_env):
    data = generator.generate(rows=50, seed=1, councils=ESSEX_COUNCILS).write_csv().encode()
    extract = import_csv(data)
    vaults = list(Path(casefiles_env).rglob("*.vault"))
    assert len(vaults) == 1
    assert oct(vaults[0].stat().st_mode & 0o777) == "0o600"
    blob = vaults[0].read_bytes()
    assert not any(ref.encode() in blob for ref in _refs_of(data))
    assert extract.status == "imported"


def test_reveal_is_for_the_team_only_and_logged(import_csv, people, inspection):
    from django.core.exceptions import PermissionDenied

    from cpinspect.audittrail.models import AccessLogEntry
    from cpinspect.casefiles.models import SampledCase

    extract = import_csv(
        generator.generate(rows=200, seed=2, councils=ESSEX_COUNCILS).write_csv().encode()
    )
    services.sample_draw(extract=extract, user=people["lead"], design=sampling.Design(), seed=1)
    case = SampledCase.objects.first()
    for outsider in ("other_lead", "programme_manager", "partner", "liaison", "administrator"):
        with pytest.raises(PermissionDenied):
            services.sampled_case_reveal(case=case, user=people[outsider])
    assert not AccessLogEntry.objects.filter(action="reveal").exists()
    services.sampled_case_reveal(case=case, user=people["analyst"], via="api")
    entry = AccessLogEntry.objects.get(action="reveal")
    assert (entry.user, entry.object_id, entry.inspection_id, entry.via) == (
        people["analyst"],
        str(case.pk),
        inspection.pk,
        "api",
    )


def test_pseudonyms_are_hmac_sha256():
    import hashlib
    import hmac

    from cpinspect.casefiles import pseudonymise

    key = b"k" * 32
    refs = ["A/1", "é", "x" * 200]
    expected = [hmac.new(key, r.encode(), hashlib.sha256).hexdigest()[:32] for r in refs]
    assert pseudonymise.pseudonyms(refs, key) == expected
    assert pseudonymise.pseudonyms(refs, b"L" * 100) == [
        hmac.new(b"L" * 100, r.encode(), hashlib.sha256).hexdigest()[:32] for r in refs
    ]
    assert pseudonymise.inspection_key(1) != pseudonymise.inspection_key(2)


def test_key_file_is_created_with_0600(tmp_path, monkeypatch):
    from cpinspect.casefiles import pseudonymise

    monkeypatch.delenv("CPINSPECT_PSEUDONYM_KEY")
    monkeypatch.setenv("CPINSPECT_VAR_DIR", str(tmp_path))
    key = pseudonymise.master_key()
    path = tmp_path / "keys" / "casefiles.key"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert len(key) == 32 and pseudonymise.master_key() == key


def test_forked_hmac_equals_the_single_process_one(monkeypatch):
    import hashlib
    import hmac

    from cpinspect.casefiles import pseudonymise

    refs = pl.Series("r", [f"ESX/{i}/é" for i in range(5000)]).slice(7)  # an offset array
    monkeypatch.setattr(pseudonymise, "PARALLEL_FROM", 1000)
    monkeypatch.setenv("CPINSPECT_HMAC_PROCESSES", "2")
    forked = pseudonymise.pseudonym_series(refs, b"k" * 32)
    monkeypatch.setenv("CPINSPECT_HMAC_PROCESSES", "1")
    single = pseudonymise.pseudonym_series(refs, b"k" * 32)
    assert forked.equals(single) and forked.len() == 4993
    expected = hmac.new(b"k" * 32, refs[100].encode(), hashlib.sha256).hexdigest()[:32]
    assert forked[100] == expected


@pytest.mark.parametrize("processes", ["1", "2"])
def test_hmac_in_batches_is_hmac_sha256_for_awkward_references(monkeypatch, processes):
    """Several batches in each process; empty references, line breaks and multibyte text
    (the child splits its batches at 0xFF, which UTF-8 never contains)."""
    import hashlib
    import hmac

    from cpinspect.casefiles import pseudonymise

    values = ["", "a\nb", "é/ÿ", "x" * 300, "\x00", "A/1"] * 700
    refs = pl.Series("r", values).slice(3)
    monkeypatch.setattr(pseudonymise, "PARALLEL_FROM", 1000)
    monkeypatch.setattr(pseudonymise, "BATCH", 97)
    monkeypatch.setenv("CPINSPECT_HMAC_PROCESSES", processes)
    forked = []
    real = pseudonymise._hash_forked
    monkeypatch.setattr(
        pseudonymise, "_hash_forked", lambda *args: forked.append(real(*args)) or forked[-1]
    )
    got = pseudonymise.pseudonym_series(refs, b"k" * 32)
    assert forked == ([True] if processes == "2" else [])  # the child did its half
    key = b"k" * 32
    assert got.to_list() == [
        hmac.new(key, r.encode(), hashlib.sha256).hexdigest()[:32] for r in values[3:]
    ]
    assert got.name == "pseudonym" and got.dtype == pl.String


def test_a_failing_child_falls_back_to_one_process(monkeypatch):
    import hashlib
    import hmac

    from cpinspect.casefiles import pseudonymise

    def broken(*args):
        raise RuntimeError("the child fails")

    refs = pl.Series("r", [f"ESX/{i}" for i in range(3000)])
    monkeypatch.setattr(pseudonymise, "PARALLEL_FROM", 1000)
    monkeypatch.setattr(pseudonymise, "_buffer_batches", broken)  # used by the child only
    monkeypatch.setenv("CPINSPECT_HMAC_PROCESSES", "2")
    forked = []
    real = pseudonymise._hash_forked
    monkeypatch.setattr(
        pseudonymise, "_hash_forked", lambda *args: forked.append(real(*args)) or forked[-1]
    )
    got = pseudonymise.pseudonym_series(refs, b"k" * 32)
    assert forked == [False]
    assert got[2999] == hmac.new(b"k" * 32, b"ESX/2999", hashlib.sha256).hexdigest()[:32]


def test_pseudonyms_of_nothing_and_of_a_missing_reference():
    from cpinspect.casefiles import pseudonymise

    assert pseudonymise.pseudonyms([], b"k" * 32) == []
    with pytest.raises(ValueError):
        pseudonymise.pseudonym_series(pl.Series("r", ["A/1", None]), b"k" * 32)
