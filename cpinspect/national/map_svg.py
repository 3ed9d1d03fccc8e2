"""The national map: an inline SVG with one ``<path>`` per force area, filled by grade.

Each grade has a colour from the Government Analysis Function's accessible palette and a
pattern of its own (solid, dots, lines, stripes, cross-hatch), so that colour is never the only
cue; the legend inside the map shows both. The map is ``role="img"`` with a title and a
description for its accessible name; the table on the page holds the same facts as text.

Coordinates are British National Grid kilometres (``boundaries.py``), one SVG unit per
kilometre, written to a tenth of a unit. London is also drawn enlarged, with ``<use>`` copies
of the Metropolitan Police and City of London paths, so each force still has one path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cpinspect.national.boundaries import ForceArea

# The frame of England and Wales in grid metres, and the room on the right for the inset.
WEST, EAST, SOUTH, NORTH = 80_000, 660_000, 0, 662_000
WIDTH, HEIGHT = 720, (NORTH - SOUTH) // 1000
# London's box in grid metres and where the enlarged copy goes (in the North Sea), in SVG units.
LONDON = (502_000, 154_000, 563_000, 203_000)
INSET_X, INSET_Y, INSET_SCALE = 574.0, 404.0, 2.3
# The key sits in the North Sea, east of Yorkshire and north of Norfolk.
LEGEND_X = 468
METROPOLITAN, CITY_OF_LONDON = "E23000001", "E23000034"
STROKE = "#0b0c0c"
FONT = "GDS Transport, arial, sans-serif"


@dataclass(frozen=True)
class GradeStyle:
    colour: str
    pattern: str  # what the pattern looks like, for the legend's description
    ink: str  # the colour of the pattern drawn over the fill


# Government Analysis Function categorical palette (colour-blind safe, 3:1 against white).
GRADE_STYLES = {
    "outstanding": GradeStyle("#12436d", "solid", "#12436d"),
    "good": GradeStyle("#28a197", "dotted", "#ffffff"),
    "adequate": GradeStyle("#a285d1", "horizontal lines", "#ffffff"),
    "requires_improvement": GradeStyle("#f46a25", "diagonal stripes", "#ffffff"),
    "inadequate": GradeStyle("#801650", "cross-hatched", "#ffffff"),
    "not_available": GradeStyle("#f3f2f1", "vertical grey lines", "#8a8a8a"),
}


@dataclass(frozen=True)
class MapEntry:
    """What the map shows for one force."""

    code: str
    name: str
    grade_key: str  # a key of GRADE_STYLES
    grade_label: str


@dataclass(frozen=True)
class LegendEntry:
    grade_key: str
    label: str  # e.g. "Good: 28"
    detail: str = ""  # a second line, e.g. "5 shown, 12 nationally"


def pattern_id(grade_key: str) -> str:
    return f"grade-{grade_key.replace('_', '-')}"


RISING = [(-1, 1, 1, -1), (0, 5, 5, 0), (4, 6, 6, 4)]
FALLING = [(-1, 4, 1, 6), (0, 0, 5, 5), (4, -1, 6, 1)]
# Marks drawn with <line> and <circle>, so that the map's only <path>s are the force areas.
PATTERN_MARKS = {
    "outstanding": ([], 0),
    "good": ([], 0),  # dots: see _pattern
    "adequate": ([(0, 2.5, 5, 2.5)], 1),
    "requires_improvement": (RISING, 1.1),
    "inadequate": (RISING + FALLING, 0.8),
    "not_available": ([(2.5, 0, 2.5, 5)], 0.6),
}


def _pattern(grade_key: str) -> str:
    style = GRADE_STYLES[grade_key]
    lines, width = PATTERN_MARKS[grade_key]
    marks = "".join(
        f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{style.ink}" '
        f'stroke-width="{width}"/>'
        for x1, y1, x2, y2 in lines
    )
    if grade_key == "good":
        marks = f'<circle cx="2.5" cy="2.5" r="1" fill="{style.ink}"/>'
    return (
        f'<pattern id="{pattern_id(grade_key)}" width="5" height="5" '
        f'patternUnits="userSpaceOnUse"><rect width="5" height="5" fill="{style.colour}"/>'
        f"{marks}</pattern>"
    )


def fill_of(grade_key: str) -> str:
    return f"url(#{pattern_id(grade_key)})"


def _tenths(value: float) -> str:
    """A number of tenths written as briefly as SVG allows: 5 -> ".5", -12 -> "-1.2"."""
    text = f"{value / 10:.1f}".rstrip("0").rstrip(".")
    if text.startswith("0."):
        return text[1:]
    if text.startswith("-0."):
        return "-" + text[2:]
    return text or "0"


def _pairs(values: np.ndarray) -> str:
    out = []
    for number in values:
        text = _tenths(int(number))
        if out and not text.startswith("-"):
            out.append(" ")
        out.append(text)
    return "".join(out)


def path_data(rings) -> str:
    """Absolute start, then relative steps in whole tenths (no drift from rounding)."""
    parts = []
    for ring in rings:
        x = np.rint((ring[:, 0] - WEST) / 100).astype(int)
        y = np.rint((NORTH - ring[:, 1]) / 100).astype(int)
        points = np.column_stack([x, y])
        moved = np.any(np.diff(points, axis=0) != 0, axis=1)
        points = np.vstack([points[:1], points[1:][moved]])
        if len(points) < 3:
            continue
        steps = np.diff(points, axis=0)[:-1]  # the last step is the closing one: "z" does it
        parts.append(f"M{_pairs(points[0])}l{_pairs(steps.ravel())}z")
    return "".join(parts)


def _legend(legend: list[LegendEntry]) -> str:
    # Sizes in map units: on a page the map is about 0.85 px per unit.
    text = f'font-family="{FONT}" fill="#0b0c0c"'
    rows = [f'<text x="{LEGEND_X}" y="20" font-size="19" font-weight="bold" {text}>Key</text>']
    step = 44 if any(entry.detail for entry in legend) else 27
    for index, entry in enumerate(legend):
        y = 32 + index * step
        rows.append(
            f'<rect x="{LEGEND_X}" y="{y}" width="26" height="18" '
            f'fill="{fill_of(entry.grade_key)}" stroke="{STROKE}" stroke-width=".8"/>'
            f'<text x="{LEGEND_X + 33}" y="{y + 15}" font-size="16" {text}>'
            f"{escape(entry.label)}</text>"
        )
        if entry.detail:
            rows.append(
                f'<text x="{LEGEND_X + 33}" y="{y + 34}" font-size="15" {text}>'
                f"{escape(entry.detail)}</text>"
            )
    return f'<g class="app-map-legend">{"".join(rows)}</g>'


def _london_inset(city: ForceArea | None) -> str:
    """London drawn again, larger, with the City of London pointed out: at the main scale
    the City is three units across."""
    west, south, east, north = LONDON
    x0, y0 = (west - WEST) / 1000, (NORTH - north) / 1000
    width, height = (east - west) / 1000, (north - south) / 1000
    box_w, box_h = width * INSET_SCALE, height * INSET_SCALE
    move = f"translate({INSET_X - x0 * INSET_SCALE:.1f} {INSET_Y - y0 * INSET_SCALE:.1f})"
    return (
        f'<g class="app-map-inset"><title>London, enlarged</title>'
        f'<text x="{INSET_X}" y="{INSET_Y - 6}" font-size="15" font-family="{FONT}" '
        f'fill="#0b0c0c">London, enlarged</text>'
        f'<clipPath id="london-clip"><rect x="{INSET_X}" y="{INSET_Y}" width="{box_w:.1f}" '
        f'height="{box_h:.1f}"/></clipPath>'
        f'<rect x="{INSET_X}" y="{INSET_Y}" width="{box_w:.1f}" height="{box_h:.1f}" '
        f'fill="#ffffff"/>'
        f'<g clip-path="url(#london-clip)"><g transform="{move} scale({INSET_SCALE})" '
        f'stroke="{STROKE}" stroke-width=".3" stroke-linejoin="round" fill-rule="evenodd">'
        f'<use href="#force-{METROPOLITAN}"/><use href="#force-{CITY_OF_LONDON}"/></g></g>'
        f'<rect x="{INSET_X}" y="{INSET_Y}" width="{box_w:.1f}" height="{box_h:.1f}" '
        f'fill="none" stroke="{STROKE}" stroke-width="1"/>'
        f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{width:.1f}" height="{height:.1f}" '
        f'fill="none" stroke="{STROKE}" stroke-width=".8" stroke-dasharray="3 2"/>'
        f"{_city_callout(city, x0, y0, box_h)}</g>"
    )


def _city_callout(city: ForceArea | None, x0: float, y0: float, box_h: float) -> str:
    if city is None:
        return ""
    east, north = city.rings[0].mean(axis=0)
    x = INSET_X + ((east - WEST) / 1000 - x0) * INSET_SCALE
    y = INSET_Y + ((NORTH - north) / 1000 - y0) * INSET_SCALE
    label_y = INSET_Y + box_h + 18
    return (
        f'<line x1="{x:.1f}" y1="{y + 3:.1f}" x2="{x:.1f}" y2="{label_y - 12:.1f}" '
        f'stroke="{STROKE}" stroke-width="1"/><text x="{x:.1f}" y="{label_y:.1f}" font-size="15" '
        f'text-anchor="middle" font-family="{FONT}" fill="#0b0c0c">City of London</text>'
    )


def national_map_svg(
    areas: dict[str, ForceArea],
    entries: list[MapEntry],
    *,
    title: str,
    description: str,
    legend: list[LegendEntry],
) -> SafeString:
    """The map as SVG markup; every text from the data is escaped."""
    by_code = {entry.code: entry for entry in entries}
    # Larger areas first, so that small ones (the City of London) are drawn on top.
    order = sorted(by_code, key=lambda code: -areas[code].area_km2)
    paths = []
    for code in order:
        entry = by_code[code]
        paths.append(
            f'<path id="force-{escape(code)}" data-force="{escape(code)}" '
            f'data-grade="{escape(entry.grade_key)}" fill="{fill_of(entry.grade_key)}" '
            f'd="{path_data(areas[code].rings)}"><title>{escape(entry.name)}: '
            f"{escape(entry.grade_label)}</title></path>"
        )
    patterns = "".join(_pattern(key) for key in GRADE_STYLES)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-national-map" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-labelledby="national-map-title national-map-desc" '
        f'preserveAspectRatio="xMidYMid meet">'
        f'<title id="national-map-title">{escape(title)}</title>'
        f'<desc id="national-map-desc">{escape(description)}</desc>'
        f"<defs>{patterns}</defs>"
        f'<g stroke="{STROKE}" stroke-width=".5" stroke-linejoin="round" fill-rule="evenodd">'
        f"{''.join(paths)}</g>"
        f"{_london_inset(areas.get(CITY_OF_LONDON))}{_legend(legend)}</svg>"
    )
    return mark_safe(svg)  # noqa: S308 - built above, every data value escaped
