"""Demo data: a synthetic extract imported into an inspection and its sample drawn.

The lead engineer's demo builder calls ``add_demo_extract(inspection, user)``; ``user`` must be
on the inspection's team. Synthetic rows only (``generator``): no real case or person.
"""

import datetime as dt

from cpinspect.casefiles import generator, sampling, services


def add_demo_extract(inspection, user, *, rows: int = 2500, seed: int = 2026, draw: bool = True):
    """Import a synthetic extract (with a few deliberately bad rows) and draw the sample."""
    force = inspection.subject_force
    councils = sorted(force.councils.values_list("code", flat=True))
    until = inspection.fieldwork_starts_on - dt.timedelta(days=14)
    frame = generator.generate(
        rows=rows, seed=seed, councils=councils, until=until, months=12, bad_rows=14
    )
    extract = services.extract_import(
        inspection=inspection,
        user=user,
        data=frame.write_csv().encode("utf-8"),
        profile_name="canonical",
        accept_rejections=True,
        via="cli",
        today=until,
        file_name=f"{force.name.lower().replace(' ', '-')}-synthetic-extract.csv",
    )
    sample = None
    if draw and extract.status == "imported":
        sample = services.sample_draw(
            extract=extract, user=user, design=sampling.Design(), seed=seed
        )
    return extract, sample
