"""The draw: seeded and reproducible; allocation; reserves and replacement; exclusions."""

import datetime as dt
import math

import polars as pl
import pytest

from cpinspect.casefiles import frames, precision, sampling, services
from cpinspect.casefiles.models import CaseStatus, SampledCase
from cpinspect.casefiles.schema import CATEGORY_SLUGS
from tests.casefiles.conftest import synthetic_csv
from tests.fixtures import programme_manager


def _frame(rows=3000, seed=5):
    from cpinspect.casefiles import generator, profiles, readers, validation

    data = generator.generate(rows=rows, seed=seed, councils=["E06000034"]).write_csv().encode()
    profile = profiles.get_profile("canonical")
    checked = validation.check(
        readers.read_extract(data, profile).table,
        profile,
        council_codes={"E06000034"},
        today=dt.date(2026, 10, 1),
    )
    frame, _ = frames.build(checked.accepted, inspection_key=b"k" * 32)
    return frame


def _picked(result):
    return result.rows.select("pseudonym", "category", "order", "is_reserve").rows()


def test_same_inputs_same_sample():
    frame = _frame()
    a = sampling.draw(frame, sampling.Design(), seed=2026)
    b = sampling.draw(frame, sampling.Design(), seed=2026)
    assert _picked(a) == _picked(b)
    # the order of rows in the force's file does not matter
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=1)
    assert _picked(sampling.draw(shuffled, sampling.Design(), seed=2026)) == _picked(a)
    # a different seed gives a different sample
    assert _picked(sampling.draw(frame, sampling.Design(), seed=2027)) != _picked(a)


def test_proportional_allocation_with_minimum():
    frame = _frame()
    result = sampling.draw(frame, sampling.Design(minimum=5), seed=1)
    assert result.total == 70
    assert sum(result.allocation.values()) == 70
    assert all(n >= 5 for n in result.allocation.values())
    pop = result.population
    biggest = max(pop, key=pop.get)
    assert result.allocation[biggest] == max(result.allocation.values())
    for stratum in CATEGORY_SLUGS:
        drawn = result.rows.filter(pl.col("category") == stratum)
        assert drawn.filter(~pl.col("is_reserve")).height == result.allocation[stratum]
        assert drawn.filter(pl.col("is_reserve")).height == result.reserves[stratum]
        assert drawn["order"].to_list() == list(range(1, drawn.height + 1))
    assert result.rows["pseudonym"].n_unique() == result.rows.height


def test_equal_and_fixed_allocation():
    frame = _frame()
    equal = sampling.draw(frame, sampling.Design(method="equal", size=70), seed=1)
    assert sorted(equal.allocation.values()) == [10] * 7
    fixed = sampling.draw(
        frame, sampling.Design(method="fixed", fixed={"custody": 12, "cse": 3}), seed=1
    )
    assert fixed.allocation["custody"] == 12 and fixed.allocation["cse"] == 3
    assert fixed.total == 15
    with pytest.raises(ValueError, match="Unknown categories"):
        sampling.draw(frame, sampling.Design(method="fixed", fixed={"burglary": 1}), seed=1)


def test_allocation_never_exceeds_a_stratum():
    population = {"vulnerability_and_risk": 500, "custody": 2, "cse": 0}
    alloc = sampling.allocate(sampling.Design(minimum=5), population, 70)
    assert alloc == {"vulnerability_and_risk": 68, "custody": 2, "cse": 0}
    alloc = sampling.allocate(sampling.Design(method="equal"), population, 70)
    assert alloc == {"vulnerability_and_risk": 68, "custody": 2, "cse": 0}


def test_default_size_rule():
    assert sampling.default_size(500) == 70
    assert sampling.default_size(20_000) == 70
    assert sampling.default_size(571_000) == 374  # the Metropolitan Police's 2016 sample size
    assert sampling.default_size(10_000_000) == 400  # the ceiling
    assert sampling.default_size(40) == 40


def test_size_rule_is_configurable(monkeypatch):
    monkeypatch.setenv("CPINSPECT_SAMPLE_BASE", "80")
    assert sampling.default_size(1000) == 80


def test_older_cases_are_excluded():
    frame = _frame()
    design = sampling.Design(exclude_older_than_months=6, as_of=dt.date(2026, 9, 30))
    result = sampling.draw(frame, design, seed=1)
    assert result.rows["recorded_on"].min() >= dt.date(2026, 3, 30)
    assert (
        result.excluded["older_than_months"]
        == frame.filter(pl.col("recorded_on") < dt.date(2026, 3, 30)).height
    )
    assert sum(result.population.values()) == frame.height - result.excluded["older_than_months"]


def test_months_before():
    assert sampling.months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert sampling.months_before(dt.date(2026, 1, 15), 13) == dt.date(2024, 12, 15)


def test_precision_against_scipy():
    from scipy.stats import norm

    z = norm.ppf(0.975)
    for n, big_n in [(10, 100), (70, 3000), (5, 6), (30, 31), (374, 500_000)]:
        expected = z * math.sqrt(0.25 / n) * math.sqrt((big_n - n) / (big_n - 1))
        assert precision.margin_of_error(n, big_n) == pytest.approx(expected, rel=1e-9)
    for margin, big_n in [(0.1, 100), (0.05, 10_000), (0.1, 1_000_000), (0.2, 5)]:
        n0 = z**2 * 0.25 / margin**2
        expected = min(big_n, math.ceil(n0 / (1 + (n0 - 1) / big_n)))
        assert precision.sample_size_for(margin, big_n) == expected
        # and the size found does reach the margin, one fewer does not
        n = precision.sample_size_for(margin, big_n)
        assert precision.margin_of_error(n, big_n) <= margin + 1e-12
        if 1 < n < big_n:
            assert precision.margin_of_error(n - 1, big_n) > margin
    assert precision.margin_of_error(0, 10) is None
    assert precision.margin_of_error(10, 10) == 0.0
    assert precision.sample_size_for(0.1, 100, confidence=0.9) < precision.sample_size_for(0.1, 100)


@pytest.mark.django_db
def test_unusable_case_is_replaced_by_the_next_reserve(import_csv, people):
    extract = import_csv(synthetic_csv(rows=1000, seed=11))
    sample = services.sample_draw(
        extract=extract, user=people["lead"], design=sampling.Design(), seed=3
    )
    stratum = "custody"
    reserves = list(
        SampledCase.objects.filter(sample=sample, stratum=stratum, is_reserve=True).order_by(
            "order"
        )
    )
    assert len(reserves) >= 2
    first = SampledCase.objects.filter(sample=sample, stratum=stratum, is_reserve=False).first()
    with pytest.raises(services.SampleRefused):
        services.sampled_case_mark_unusable(case=first, user=people["lead"], reason="  ")
    brought = services.sampled_case_mark_unusable(
        case=first, user=people["inspector"], reason="File held by another force"
    )
    assert brought.pk == reserves[0].pk
    first.refresh_from_db()
    assert first.status == CaseStatus.UNUSABLE and first.replaced_by_id == reserves[0].pk
    assert first.unusable_reason == "File held by another force"
    second = (
        SampledCase.objects.filter(sample=sample, stratum=stratum, is_reserve=False)
        .exclude(pk=first.pk)
        .first()
    )
    assert (
        services.sampled_case_mark_unusable(
            case=second, user=people["lead"], reason="Duplicate of another case"
        ).pk
        == reserves[1].pk
    )
    in_sample = SampledCase.objects.filter(sample=sample, status=CaseStatus.SAMPLED)
    assert in_sample.count() == sample.total_size  # still a full sample
    with pytest.raises(services.SampleRefused):
        services.sampled_case_mark_unusable(case=first, user=people["lead"], reason="again")


@pytest.mark.django_db
def test_cases_examined_in_an_earlier_inspection_are_excluded(
    import_csv, people, programme, reference, inspection
):
    """Matching across inspections uses the force pseudonym (a force-level key)."""
    from cpinspect.programmes import services as programme_services
    from cpinspect.programmes.models import InspectionType, TeamRole

    data = synthetic_csv(rows=300, seed=21)
    first = services.sample_draw(
        extract=import_csv(data), user=people["lead"], design=sampling.Design(), seed=9
    )
    later = programme_services.inspection_create(
        programme_manager(),
        programme=programme,
        kind=InspectionType.RE_INSPECTION,
        force=reference["essex"],
        fieldwork_starts_on=dt.date(2027, 3, 1),
    )
    programme_services.team_member_add(
        programme_manager(), inspection=later, person=people["lead"], role=TeamRole.LEAD
    )
    extract = services.extract_import(
        inspection=later,
        user=people["lead"],
        data=data,
        profile_name="canonical",
        today=dt.date(2026, 10, 1),
    )
    frame = pl.read_parquet(extract.frame_path)
    earlier = set(first.cases.filter(status=CaseStatus.SAMPLED).values_list("pseudonym", flat=True))
    assert not earlier & set(frame["pseudonym"].to_list())  # per-inspection pseudonyms differ
    second = services.sample_draw(
        extract=extract, user=people["lead"], design=sampling.Design(), seed=9
    )
    assert second.excluded == {"examined_in_earlier_inspection": 70}
    examined = set(
        first.cases.filter(status=CaseStatus.SAMPLED).values_list("force_pseudonym", flat=True)
    )
    assert not examined & set(second.cases.values_list("force_pseudonym", flat=True))
