"""Hand-written SVG charts for reports: no script, drawn from the snapshot's *published* values
only (a suppressed cell is written as its marker, never drawn), with a <title> and a <desc>
that WeasyPrint turns into the figure's alternative text in the tagged PDF."""

from __future__ import annotations

from html import escape

# GOV.UK colours with at least 3:1 contrast against white; each bar is also labelled with its
# grade, so colour is never the only cue.
GRADE_COLOURS = {"good": "#00703c", "requires_improvement": "#1d70b8", "inadequate": "#d4351c"}
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"

LABEL_WIDTH = 190
PLOT_WIDTH = 330
TEXT_WIDTH = 190
BAR = 12
BAR_GAP = 2
GROUP_GAP = 14
TOP = 34
AXIS_HEIGHT = 26


def _x(percent: float) -> float:
    return LABEL_WIDTH + PLOT_WIDTH * max(0.0, min(100.0, percent)) / 100


def _wrap(label: str, width: int = 28) -> list[str]:
    words, lines, line = label.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def grades_chart(block: dict, *, chart_id: str, title: str, description: str) -> str:
    """Horizontal bars: for each theme (and all themes) the percentage of cases at each grade,
    with the 95% interval as a line across the bar's end."""
    rows = [*block["rows"], *([block["overall"]] if block.get("overall") else [])]
    grades = block["grades"]
    group = len(grades) * (BAR + BAR_GAP) - BAR_GAP
    height = TOP + len(rows) * (group + GROUP_GAP) + AXIS_HEIGHT
    width = LABEL_WIDTH + PLOT_WIDTH + TEXT_WIDTH
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="{FONT}" '
        f'font-size="11">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    # legend
    x = LABEL_WIDTH
    for grade in grades:
        colour = GRADE_COLOURS.get(grade["key"], "#505a5f")
        out.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{x + 16}" y="16" fill="#0b0c0c">{escape(grade["label"])}</text>')
        x += 34 + 6.2 * len(grade["label"])
    plot_bottom = height - AXIS_HEIGHT
    # grid and axis
    for tick in (0, 25, 50, 75, 100):
        tx = _x(tick)
        out.append(
            f'<line x1="{tx:.1f}" y1="{TOP - 6}" x2="{tx:.1f}" y2="{plot_bottom}" '
            f'stroke="{"#0b0c0c" if tick == 0 else "#b1b4b6"}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{tx:.1f}" y="{plot_bottom + 14}" text-anchor="middle" '
            f'fill="#0b0c0c">{tick}%</text>'
        )
    y = TOP
    for row in rows:
        label_lines = _wrap(row["label"])
        centre = y + group / 2
        first = centre - (len(label_lines) - 1) * 6.5 + 4
        weight = ' font-weight="bold"' if row["theme"] == "overall" else ""
        for k, line in enumerate(label_lines):
            out.append(
                f'<text x="{LABEL_WIDTH - 8}" y="{first + 13 * k:.1f}" text-anchor="end" '
                f'fill="#0b0c0c"{weight}>{escape(line)}</text>'
            )
        for k, cell in enumerate(row["cells"]):
            by = y + k * (BAR + BAR_GAP)
            colour = GRADE_COLOURS.get(cell["grade"], "#505a5f")
            label = f"{cell['label']}: {cell['percent_text']}"
            if cell["percent"] is None:
                out.append(
                    f'<text x="{LABEL_WIDTH + 4}" y="{by + BAR - 2}" fill="#505a5f">'
                    f"{escape(label)}</text>"
                )
                continue
            end = _x(cell["percent"])
            out.append(
                f'<rect x="{LABEL_WIDTH}" y="{by}" width="{end - LABEL_WIDTH:.1f}" '
                f'height="{BAR}" fill="{colour}"/>'
            )
            text_x = end
            if cell["low"] is not None:
                lo, hi = _x(100 * cell["low"]), _x(100 * cell["high"])
                mid = by + BAR / 2
                out.append(
                    f'<path d="M{lo:.1f} {mid - 4}v8M{lo:.1f} {mid}H{hi:.1f}M{hi:.1f} {mid - 4}v8" '
                    f'stroke="#0b0c0c" stroke-width="1.2" fill="none"/>'
                )
                text_x = max(end, hi)
            out.append(
                f'<text x="{text_x + 5:.1f}" y="{by + BAR - 2}" fill="#0b0c0c">'
                f"{escape(label)}</text>"
            )
        y += group + GROUP_GAP
    out.append("</svg>")
    return "".join(out)
