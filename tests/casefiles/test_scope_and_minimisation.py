"""Out of scope is not rejected; only what a profile names is kept; the raw references of an
import are destroyed as soon as a later import replaces it."""

import datetime as dt

import polars as pl
import pytest

from cpinspect.casefiles import profiles, sampling, services
from cpinspect.casefiles.models import ExtractStatus
from tests.casefiles import police_uk
from tests.casefiles.conftest import TODAY, force_inspection

pytestmark = pytest.mark.django_db


@pytest.fixture
def kent(programme, people, reference):
    return force_inspection(programme, people, reference["kent"])


def run(inspection, people, data, profile="police-uk-street", **kwargs):
    kwargs.setdefault("today", TODAY)
    return services.extract_import(
        inspection=inspection,
        user=people["lead"],
        data=data,
        profile_name=profile,
        via="cli",
        **kwargs,
    )


# --- out of scope --------------------------------------------------------------------------


def street_with(asb: int, bad_months: int, rows: int = 200, seed=81):
    """A street file with exactly ``asb`` anti-social behaviour rows and ``bad_months``
    recorded crimes whose month is not a month."""
    made = police_uk.street_file(rows=rows, seed=seed, asb_share=0)
    for row in made.rows[:asb]:
        row.update({"Crime ID": "", "Crime type": "Anti-social behaviour"})
    for row in made.rows[asb : asb + bad_months]:
        row["Month"] = "January"
    made.crime_ids = [r["Crime ID"] for r in made.rows]
    return made


def test_the_refusal_limit_counts_rejections_among_rows_in_scope(kent, people):
    # 60 out of scope, 30 rejected of the 140 in scope: 21.4% (over the 20% limit), though
    # only 15% of all 200 rows
    refused = run(kent, people, street_with(asb=60, bad_months=30).csv())
    assert refused.status == ExtractStatus.REFUSED
    assert (refused.rows_rejected, refused.rows_out_of_scope) == (30, 60)
    assert refused.reject_share == pytest.approx(30 / 140)
    # 60 out of scope, 27 rejected of 140: 19.3%, imported
    taken = run(kent, people, street_with(asb=60, bad_months=27, seed=82).csv())
    assert taken.status == ExtractStatus.IMPORTED
    assert taken.rows_accepted + taken.rows_rejected + taken.rows_out_of_scope == 200


def test_a_file_with_nothing_in_scope_is_refused(kent, people):
    made = street_with(asb=40, bad_months=0, rows=40)
    extract = run(kent, people, made.csv())
    assert extract.status == ExtractStatus.FAILED
    assert "Every one of the file's 40 rows is out of scope (anti-social behaviour" in (
        extract.error
    )


def test_an_outcomes_file_keeps_each_crimes_latest_row(kent, people):
    ids = [police_uk.crime_id(83, i) for i in range(3)]
    made = police_uk.outcomes_file(crimes=3, seed=83, repeat_share=0)
    base = made.rows[0]
    made.rows = [
        {**base, "Crime ID": ids[0], "Month": "2019-01", "Outcome type": "Suspect charged"},
        {**base, "Crime ID": ids[0], "Month": "2019-03", "Outcome type": "Offender fined"},
        {
            **base,
            "Crime ID": ids[0],
            "Month": "2019-02",
            "Outcome type": "Court result unavailable",
        },
        {**base, "Crime ID": ids[1], "Month": "2019-02", "Outcome type": "Local resolution"},
        {**base, "Crime ID": ids[1], "Month": "2019-02", "Outcome type": "Offender sent to prison"},
        {**base, "Crime ID": ids[2], "Month": "2019-01", "Outcome type": "Suspect charged"},
    ]
    extract = run(kent, people, made.csv(), "police-uk-outcomes")
    assert extract.status == ExtractStatus.IMPORTED, extract.error
    assert (extract.rows_accepted, extract.rows_out_of_scope, extract.rows_rejected) == (3, 3, 0)
    assert (
        extract.out_of_scope[0]["rows"] == 3
        and "earlier outcome" in extract.out_of_scope[0]["reason"]
    )
    frame = pl.read_parquet(extract.frame_path).sort("recorded_on")
    # the latest month of the first crime; the last line of the second's two equal months
    assert sorted(zip(frame["recorded_on"].to_list(), frame["outcome"].to_list(), strict=True)) == [
        (dt.date(2019, 1, 1), "Suspect charged"),
        (dt.date(2019, 2, 1), "Offender sent to prison"),
        (dt.date(2019, 3, 1), "Offender fined"),
    ]


def test_out_of_scope_rules_are_checked_with_their_lines(tmp_path):
    path = tmp_path / "bad-scope.yaml"
    path.write_text(
        "name: bad-scope\n"
        "out_of_scope:\n"
        "  - column: Type\n"
        "    reason: adults\n"
        "  - column: Type\n"
        "    equals: [a]\n"
        "    empty: true\n"
        "    reason: both\n"
        "  - equals: [b]\n"
        "    colour: red\n"
        "repeats: sometimes\n"
    )
    with pytest.raises(profiles.ProfileError) as refused:
        profiles.load_file(path)
    problems = refused.value.problems
    assert f"{path}:3: out_of_scope rule 1 needs one of equals" in "\n".join(problems)
    assert any(p.startswith(f"{path}:5: out_of_scope rule 2 needs one of") for p in problems)
    assert any(p.startswith(f"{path}:9: out_of_scope rule 3 has unknown setting") for p in problems)
    assert any(p.startswith(f"{path}:9: out_of_scope rule 3 needs the column") for p in problems)
    assert any(p.startswith(f"{path}:9: out_of_scope rule 3 needs a reason") for p in problems)
    assert any(p.startswith(f"{path}:11: repeats is reject or keep_latest") for p in problems)


# --- only what is needed is kept -------------------------------------------------------------


def test_a_profile_keeps_only_the_columns_it_names(inspection, people, tmp_path):
    profile = tmp_path / "keeps-team.yaml"
    profile.write_text("name: keeps-team\nkeep: [team]\ndrop: [street]\n")
    data = (
        b"case_ref,recorded_on,category,team,street,latitude\n"
        b"ESX-1,2026-01-05,cse,North,Hill Road,51.5\n"
        b"ESX-2,2026-01-06,cse,South,Mill Lane,51.6\n"
    )
    extract = run(inspection, people, data, str(profile))
    assert extract.status == ExtractStatus.IMPORTED, extract.error
    frame = pl.read_parquet(extract.frame_path)
    assert [c for c in frame.columns if c.startswith("attr_")] == ["attr_team"]
    assert sorted(frame["attr_team"].to_list()) == ["North", "South"]
    assert extract.columns_kept == ["team"]
    assert extract.columns_dropped == ["street", "latitude"]  # in the file's order


def test_the_import_page_lists_what_was_dropped(client, inspection, people):
    data = b"case_ref,recorded_on,category,street\nESX-1,2026-01-05,cse,Hill Road\n"
    extract = run(inspection, people, data, "canonical")
    client.force_login(people["lead"])
    page = client.get(f"/inspections/{inspection.pk}/extract/{extract.pk}/").content.decode()
    assert "Columns dropped (not kept)" in page
    dropped = page[page.index("Columns dropped (not kept)") :]
    assert "street" in dropped[:200]


# --- raw references outlive their use no more ------------------------------------------------


def vaults(folder):
    return sorted(p.name for p in folder.rglob("*.vault"))


def test_each_import_supersedes_the_last_and_destroys_its_vault(
    kent, people, casefiles_env, django_capture_on_commit_callbacks
):
    from tests.casefiles.test_validation import HEADER, ROWS

    extracts = []
    for seed in (84, 85):
        with django_capture_on_commit_callbacks(execute=True):
            extracts.append(run(kent, people, police_uk.street_file(seed=seed).csv()))
    # one held for confirmation, then one imported: both earlier ones are replaced
    with django_capture_on_commit_callbacks(execute=True):
        held = run(
            kent,
            people,
            (HEADER + "\n".join(ROWS) + "\n").encode(),
            "canonical",
            hold_for_confirmation=True,
            today=TODAY,
        )
    assert held.status == ExtractStatus.NEEDS_CONFIRMATION
    assert vaults(casefiles_env) == [f"extract-{extracts[1].pk}.vault", f"extract-{held.pk}.vault"]
    with django_capture_on_commit_callbacks(execute=True):
        last = run(kent, people, police_uk.street_file(seed=86).csv())
    assert vaults(casefiles_env) == [f"extract-{last.pk}.vault"]
    for earlier, by in ((extracts[0], extracts[1]), (extracts[1], last), (held, last)):
        earlier.refresh_from_db()
        assert earlier.status == ExtractStatus.SUPERSEDED
        assert earlier.superseded_by == by
        assert earlier.vault_destroyed_at is not None
    with pytest.raises(services.ImportRefused, match="replaced by a later import"):
        services.extract_confirm(extract=held, user=people["lead"])
    # the change history records each replacement
    from django.apps import apps

    events = apps.get_model("casefiles", "ExtractEvent").objects.filter(pgh_obj=held)
    assert list(events.filter(status="superseded").values_list("superseded_by", flat=True)) == [
        last.pk
    ]


def test_confirming_a_held_import_supersedes_the_one_before(
    kent, people, casefiles_env, django_capture_on_commit_callbacks
):
    from tests.casefiles.test_validation import HEADER, ROWS

    with django_capture_on_commit_callbacks(execute=True):
        first = run(kent, people, police_uk.street_file(seed=87).csv())
        held = run(
            kent,
            people,
            (HEADER + "\n".join(ROWS) + "\n").encode(),
            "canonical",
            hold_for_confirmation=True,
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.extract_confirm(extract=held, user=people["lead"])
    first.refresh_from_db()
    assert first.status == ExtractStatus.SUPERSEDED and first.superseded_by == held
    assert vaults(casefiles_env) == [f"extract-{held.pk}.vault"]


def test_a_sampled_import_stays_the_frame_when_a_newer_one_lands(
    kent, people, casefiles_env, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = run(kent, people, police_uk.street_file(seed=88, rows=300).csv())
        services.sample_draw(extract=first, user=people["lead"], design=sampling.Design(), seed=1)
        second = run(kent, people, police_uk.street_file(seed=89, rows=300).csv())
    first.refresh_from_db()
    assert first.status == ExtractStatus.IMPORTED  # its vault went with the draw
    assert second.status == ExtractStatus.IMPORTED
    assert vaults(casefiles_env) == [f"extract-{second.pk}.vault"]  # kept for a redraw
