"""The national map: boundaries matched to forces by code, projected and simplified, drawn with
one path per force and the right fill for each grade."""

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from cpinspect.national import boundaries, map_svg, selectors
from cpinspect.registry.models import Force

SVG = "{http://www.w3.org/2000/svg}"
PEEL_2016 = "peel-2016-effectiveness--overall-effectiveness"
PEEL_2015_VULNERABILITY = "peel-2015-effectiveness-vulnerability--vulnerability"
DURHAM, BEDFORDSHIRE = "E23000008", "E23000026"


def source_features():
    path = boundaries.DATA_DIR / boundaries.BOUNDARY_FILE
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own markup


def test_the_projection_agrees_with_the_grid_references_ons_publishes():
    # Each feature carries a point both in longitude/latitude and in British National Grid
    # metres, computed by ONS; the datum shift left out costs about 100 m.
    features = source_features()
    lon = [f["properties"]["LONG"] for f in features]
    lat = [f["properties"]["LAT"] for f in features]
    easting, northing = boundaries.to_grid(lon, lat)
    expected_e = np.array([f["properties"]["BNG_E"] for f in features])
    expected_n = np.array([f["properties"]["BNG_N"] for f in features])
    assert np.hypot(easting - expected_e, northing - expected_n).max() < 200


def test_boundaries_match_the_registry_forces_by_code(national):
    areas = boundaries.shipped_force_areas()
    codes = list(Force.objects.values_list("code", flat=True))
    assert sorted(areas) == sorted(codes) and len(codes) == 43
    # Matched by code: two names differ between the boundary file and the registry.
    names = dict(Force.objects.values_list("code", "name"))
    differing = {code: (area.name, names[code]) for code, area in areas.items()}
    differing = {code: pair for code, pair in differing.items() if pair[0] != pair[1]}
    assert differing == {
        "E23000034": ("London, City of", "City of London"),
        "E23000035": ("Devon & Cornwall", "Devon and Cornwall"),
    }


def test_a_force_without_a_boundary_is_a_clear_error(national):
    Force.objects.create(code="E23000099", name="Nowhere", country="england")
    with pytest.raises(boundaries.BoundaryError, match="no boundary with PFA20CD E23000099"):
        selectors.national_picture(PEEL_2016)


def test_a_feature_without_a_code_is_a_clear_error(tmp_path):
    features = source_features()[:2]
    del features[1]["properties"]["PFA20CD"]
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(boundaries.BoundaryError, match="feature 2: PFA20CD or PFA20NM is missing"):
        boundaries.read_force_areas(path)


def test_simplification_drops_small_wiggles_and_keeps_large_ones():
    # A 10 km square whose bottom edge wiggles by 100 m and whose top edge has a 3 km peak.
    bottom = [(x * 500.0, 100.0 if x % 2 else 0.0) for x in range(21)]
    top = [(10000.0, 10000.0), (5000.0, 13000.0), (0.0, 10000.0), (0.0, 0.0)]
    ring = np.array(bottom + top)
    assert len(ring) >= boundaries.KEEP_RINGS_UNDER
    simple = boundaries.simplify(ring, 500.0)
    kept = {tuple(point) for point in simple}
    assert (5000.0, 13000.0) in kept  # the peak
    assert not any(y == 100.0 for _x, y in kept)  # the wiggle
    assert {(10000.0, 0.0), (10000.0, 10000.0), (0.0, 10000.0)} <= kept  # the corners
    assert tuple(simple[0]) == tuple(simple[-1])  # still closed


def test_the_map_has_one_path_per_force_filled_by_grade(national):
    picture = selectors.national_picture(PEEL_2016)
    svg = parse(picture.map_svg)
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg.find(f"{SVG}title").get("id") == title_id
    assert svg.find(f"{SVG}desc").get("id") == desc_id
    assert "1 outstanding, 28 good, 13 requires improvement, 1 inadequate" in (
        svg.find(f"{SVG}desc").text
    )
    paths = list(svg.iter(f"{SVG}path"))
    assert len(paths) == 43  # and nothing else in the map is a path
    by_force = {path.get("data-force"): path for path in paths}
    assert sorted(by_force) == sorted(Force.objects.values_list("code", flat=True))

    patterns = {p.get("id"): p for p in svg.iter(f"{SVG}pattern")}

    def colour_of(path):
        pattern_id = path.get("fill").removeprefix("url(#").removesuffix(")")
        return patterns[pattern_id].find(f"{SVG}rect").get("fill")

    durham, bedfordshire = by_force[DURHAM], by_force[BEDFORDSHIRE]
    assert durham.get("fill") == "url(#grade-outstanding)"
    assert colour_of(durham) == "#12436d"
    assert durham.find(f"{SVG}title").text == "Durham: Outstanding"
    assert bedfordshire.get("fill") == "url(#grade-inadequate)"
    assert colour_of(bedfordshire) == "#801650"
    assert bedfordshire.find(f"{SVG}title").text == "Bedfordshire: Inadequate"
    # Each grade has a pattern of its own, so colour is not the only cue.
    marks = {
        key: ET.tostring(patterns[map_svg.pattern_id(key)]).replace(
            map_svg.GRADE_STYLES[key].colour.encode(), b""
        )
        for key in map_svg.GRADE_STYLES
    }
    assert len(set(marks.values())) == len(marks)
    fills = [path.get("fill") for path in paths]
    assert fills.count("url(#grade-good)") == 28
    assert fills.count("url(#grade-requires-improvement)") == 13


def test_a_partial_assessment_shows_the_rest_as_not_available(national):
    picture = selectors.national_picture(PEEL_2015_VULNERABILITY)
    svg = parse(picture.map_svg)
    grades = [path.get("data-grade") for path in svg.iter(f"{SVG}path")]
    assert grades.count("not_available") == 24
    assert grades.count("inadequate") == 4
    legend = " ".join(t.text for t in svg.iter(f"{SVG}text"))
    assert "4 shown, 4 nationally" in legend and "5 shown, 12 nationally" in legend
    assert "Published national totals for all forces: 0 outstanding, 12 good" in (
        svg.find(f"{SVG}desc").text
    )


def test_the_map_is_small(national):
    svg = selectors.national_picture(PEEL_2016).map_svg
    assert len(svg.encode()) < 60_000


def test_every_grade_has_a_style():
    assert set(map_svg.GRADE_STYLES) == {
        "outstanding",
        "good",
        "adequate",
        "requires_improvement",
        "inadequate",
        selectors.NOT_AVAILABLE,
    }


def test_path_data_is_relative_and_exact_to_a_tenth():
    ring = np.array([[100_000.0, 600_000.0], [100_540.0, 600_000.0], [100_540.0, 598_960.0]])
    ring = np.vstack([ring, ring[:1]])
    # x = (E - 80 km) / 1 km, y = (662 km - N) / 1 km, to the nearest tenth.
    assert map_svg.path_data([ring]) == "M20 62l.5 0 0 1z"
    ring[2, 1] = 598_940.0
    assert map_svg.path_data([ring]) == "M20 62l.5 0 0 1.1z"
