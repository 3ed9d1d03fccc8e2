"""Children's social care context per force area: council figures summed into force areas.

The rules, so that a withheld figure can never pass for a clean one:

* a force's count is the sum of its councils' counts (``Council.force`` in the registry);
* if any council's count is a marker, the force's count is that marker, never a partial sum
  (with several, the first in ``dfe.MARKERS`` order: ``[c]`` before ``[x]``);
* a council with no row in the DfE file for the year counts as ``[x]``;
* a rate per 10,000 children is (sum of counts) / (sum of child populations) x 10,000, never
  an average of council rates; if either side is a marker the rate is that marker;
* the DfE figures and Ofsted judgements cover England only: a Welsh council is ``[z]``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from cpinspect.national import dfe
from cpinspect.national.dfe import Figure, SocialCareData
from cpinspect.registry.models import Country

NOT_APPLICABLE = Figure(None, "[z]")
NOT_AVAILABLE = Figure(None, "[x]")
PER = 10_000


@dataclass(frozen=True)
class CouncilFigures:
    code: str
    name: str
    country: str
    figures: dict[str, Figure]  # statistic key (and "child_population") -> figure
    ofsted: dfe.OfstedJudgement | None

    @property
    def marked(self) -> list[tuple[str, str]]:
        """(statistic label, marker) for each of its figures that is withheld."""
        labels = {s.key: s.label for s in (*dfe.STATISTICS, dfe.POPULATION)}
        return [(labels[key], f.marker) for key, f in self.figures.items() if f.marker]


@dataclass(frozen=True)
class Rate:
    """A force area's count, its child population and the rate per 10,000 children."""

    count: Figure
    population: Figure
    rate: float | None  # unrounded; None when marked
    marker: str | None  # the marker shown instead of the rate

    def __str__(self):
        return self.marker if self.marker else f"{self.rate:,.1f}"


@dataclass(frozen=True)
class OfstedSummary:
    """How many of the force's councils Ofsted judged each way for help and protection."""

    counts: dict[str, int]  # judgement -> councils, in dfe.OFSTED_JUDGEMENTS order
    not_judged: int
    applicable: bool  # False for Wales, where Ofsted does not inspect councils

    @property
    def shown(self) -> list[tuple[str, int]]:
        """(short judgement, councils) for each judgement given, for tables."""
        return [(dfe.OFSTED_SHORT.get(j, j), n) for j, n in self.counts.items() if n]

    def __str__(self):
        if not self.applicable:
            return "[z]"
        parts = [f"{n} {judgement.lower()}" for judgement, n in self.counts.items() if n]
        if self.not_judged:
            parts.append(f"{self.not_judged} not in Ofsted's list")
        return ", ".join(parts)


@dataclass(frozen=True)
class ForceContext:
    force_code: str
    councils: list[CouncilFigures]
    rates: dict[str, Rate]  # statistic key -> the force area's rate
    population: Figure  # the summed child population, the base of every rate
    ofsted: OfstedSummary
    year: int
    # English councils with a withheld figure (Welsh ones are all [z]: not applicable).
    marked_councils: list[CouncilFigures] = field(default_factory=list)

    @property
    def is_wales(self) -> bool:
        return not self.ofsted.applicable

    @property
    def ordered_rates(self) -> list[Rate]:
        """The rates in the order of ``dfe.STATISTICS``, for tables."""
        return [self.rates[s.key] for s in dfe.STATISTICS]


def sum_figures(figures: Iterable[Figure]) -> Figure:
    """The sum, or the highest-precedence marker if any figure is withheld."""
    figures = list(figures)
    markers = [f.marker for f in figures if f.marker]
    if markers:
        return Figure(None, min(markers, key=dfe.PRECEDENCE.__getitem__))
    if not figures:
        return NOT_AVAILABLE
    return Figure(sum(f.value for f in figures))


def rate_of(count: Figure, population: Figure) -> Rate:
    if count.marker or population.marker:
        return Rate(count, population, None, count.marker or population.marker)
    if population.value == 0:
        return Rate(count, population, None, "[x]")
    return Rate(count, population, PER * count.value / population.value, None)


def council_figures(council, data: SocialCareData) -> CouncilFigures:
    keys = [s.key for s in (*dfe.STATISTICS, dfe.POPULATION)]
    if council.country == Country.WALES:
        figures = dict.fromkeys(keys, NOT_APPLICABLE)
    else:
        figures = {key: data.councils[key].get(council.code, NOT_AVAILABLE) for key in keys}
    return CouncilFigures(
        council.code, council.name, council.country, figures, data.ofsted.get(council.code)
    )


def ofsted_summary(councils: list[CouncilFigures]) -> OfstedSummary:
    english = [c for c in councils if c.country != Country.WALES]
    counts = dict.fromkeys(dfe.OFSTED_JUDGEMENTS, 0)
    for council in english:
        if council.ofsted is not None:
            counts[council.ofsted.judgement] += 1
    judged = sum(counts.values())
    return OfstedSummary(counts, len(english) - judged, applicable=bool(english))


def force_context(force_code: str, councils, data: SocialCareData) -> ForceContext:
    """The context of one force area from its councils (``registry.models.Council`` rows)."""
    figures = [council_figures(council, data) for council in councils]
    population = sum_figures(c.figures[dfe.POPULATION.key] for c in figures)
    rates = {
        statistic.key: rate_of(sum_figures(c.figures[statistic.key] for c in figures), population)
        for statistic in dfe.STATISTICS
    }
    return ForceContext(
        force_code=force_code,
        councils=figures,
        rates=rates,
        population=population,
        ofsted=ofsted_summary(figures),
        year=data.year,
        marked_councils=[c for c in figures if c.marked and c.country != Country.WALES],
    )


def england_rates(data: SocialCareData) -> dict[str, Rate]:
    """England's rates from DfE's national rows (whose counts DfE rounds to the nearest 10)."""
    population = data.england[dfe.POPULATION.key]
    return {s.key: rate_of(data.england[s.key], population) for s in dfe.STATISTICS}
