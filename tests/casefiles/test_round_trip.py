"""Generator -> import -> frame -> sample, through the services."""

import polars as pl
import pytest

from cpinspect.casefiles import frames, sampling, services
from cpinspect.casefiles.models import CaseStatus, ExtractStatus, SampledCase
from tests.casefiles.conftest import synthetic_csv

pytestmark = pytest.mark.django_db


def test_generated_extract_imports_and_is_sampled(
    import_csv, people, inspection, django_capture_on_commit_callbacks
):
    extract = import_csv(synthetic_csv(rows=2000, seed=7))
    assert extract.status == ExtractStatus.IMPORTED, extract.error
    assert (extract.rows_read, extract.rows_accepted, extract.rows_rejected) == (2000, 2000, 0)
    assert extract.summary.total == 2000
    assert sum(extract.summary.by_category.values()) == 2000
    assert set(extract.summary.by_council) <= {"E06000034", "E10000012", "not given"}
    frame = pl.read_parquet(extract.frame_path)
    assert frames.sha256_of(frames.frame_path(inspection.pk, extract.pk)) == extract.frame_sha256
    assert frame["pseudonym"].n_unique() == 2000
    assert "case_ref" not in frame.columns

    with django_capture_on_commit_callbacks(execute=True):
        sample = services.sample_draw(
            extract=extract, user=people["lead"], design=sampling.Design(), seed=42
        )
    assert sample.total_size == 70
    assert sum(sample.allocation.values()) == 70
    assert all(n >= 5 for n in sample.allocation.values())
    cases = SampledCase.objects.filter(sample=sample)
    assert cases.filter(status=CaseStatus.SAMPLED).count() == 70
    assert cases.filter(status=CaseStatus.RESERVE).count() == sum(sample.reserves.values())
    # the vault (all raw references) is gone once the sample is drawn
    assert not frames.vault_path(inspection.pk, extract.pk).exists()
    extract.refresh_from_db()
    assert extract.vault_destroyed_at is not None
    # a revealed reference is one of the generated references
    case = cases.first()
    ref = services.sampled_case_reveal(case=case, user=people["inspector"], via="cli")
    assert ref.startswith("SYN/")


def test_a_second_draw_from_the_same_extract_is_refused(import_csv, people):
    extract = import_csv(synthetic_csv(rows=300))
    services.sample_draw(extract=extract, user=people["lead"], design=sampling.Design(), seed=1)
    with pytest.raises(services.SampleRefused):
        services.sample_draw(extract=extract, user=people["lead"], design=sampling.Design(), seed=1)


def test_demo_extract(inspection, people):
    from cpinspect.casefiles.demo import add_demo_extract

    extract, sample = add_demo_extract(inspection, people["lead"], rows=500)
    assert extract.status == ExtractStatus.IMPORTED
    assert extract.rows_rejected == 12 and extract.rows_warned == 2
    assert sample.total_size == 70


def test_frame_summary_counts_in_order():
    import datetime as dt

    frame = pl.DataFrame(
        {
            "recorded_on": [dt.date(2026, 3, 5), dt.date(2025, 12, 31), dt.date(2026, 3, 1)] * 2,
            "category": ["cse", "custody", "cse", "online_abuse", "cse", "custody"],
            "child_age": [3, 12, None, 17, 5, 10],
            "council_code": ["E10000012", None, "E06000034", "E06000034", None, "E06000034"],
        }
    )
    summary = frames.summary(frame)
    assert summary["total"] == 6
    assert list(summary["by_category"].items()) == [
        ("cse", 3),
        ("custody", 2),
        ("online_abuse", 1),
    ]
    assert list(summary["by_council"].items()) == [
        ("E06000034", 3),
        ("E10000012", 1),
        ("not given", 2),
    ]
    assert list(summary["by_month"].items()) == [("2025-12", 2), ("2026-03", 4)]
    assert list(summary["by_age_band"].items()) == [
        ("0-4", 1),
        ("10-13", 2),
        ("14-17", 1),
        ("5-9", 1),
        ("not given", 1),
    ]
    assert frames.summary(frame.head(0))["by_month"] == {}
