"""Police force area boundaries: read, projected to the British National Grid and simplified.

The source is the ONS "Police Force Areas (December 2020)" boundary file, in longitude and
latitude (WGS84), copied unchanged into ``data/``. Nothing derived is stored: each process
reads it once and

1. projects every point with the transverse Mercator projection of the British National Grid
   (Airy 1830 ellipsoid, true origin 49N 2W, scale 0.9996012717, false origin -400 km east,
   100 km north). The WGS84 to OSGB36 datum shift (about 100 m) is left out: at the map's
   scale it is a tenth of a pixel;
2. simplifies each ring with the Douglas-Peucker algorithm at ``TOLERANCE_M`` metres, keeping
   rings of fewer than ``KEEP_RINGS_UNDER`` points as they are (so that the City of London and
   the hole it leaves in the Metropolitan Police area stay identical), and dropping islands
   smaller than ``MIN_ISLAND_KM2``;
3. matches each area to a registry force by its code (``PFA20CD``), never by name: the file
   says "London, City of" and "Devon & Cornwall" where the registry says "City of London" and
   "Devon and Cornwall".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"
BOUNDARY_FILE = "police_force_areas_PFA20_EW.geojson"
CODE, NAME = "PFA20CD", "PFA20NM"

TOLERANCE_M = 800.0
KEEP_RINGS_UNDER = 20
MIN_ISLAND_KM2 = 2.0

# British National Grid: Airy 1830 ellipsoid and the projection's constants (Ordnance Survey,
# "A guide to coordinate systems in Great Britain", annex C).
AIRY_A, AIRY_B = 6377563.396, 6356256.909
F0 = 0.9996012717
LAT0, LON0 = np.radians(49.0), np.radians(-2.0)
E0, N0 = 400000.0, -100000.0


class BoundaryError(Exception):
    """The boundary file is missing or wrong, or does not match the registry's forces."""


@dataclass(frozen=True)
class ForceArea:
    code: str
    name: str  # as the boundary file spells it
    rings: tuple[np.ndarray, ...]  # each (n, 2): easting, northing in metres, closed
    area_km2: float


def to_grid(lon_deg, lat_deg) -> tuple[np.ndarray, np.ndarray]:
    """Eastings and northings (metres) of the British National Grid for longitudes and
    latitudes in degrees."""
    lat, lon = np.radians(np.asarray(lat_deg, float)), np.radians(np.asarray(lon_deg, float))
    a, b = AIRY_A, AIRY_B
    e2 = 1 - (b * b) / (a * a)
    n = (a - b) / (a + b)
    sin, cos, tan = np.sin(lat), np.cos(lat), np.tan(lat)
    nu = a * F0 / np.sqrt(1 - e2 * sin**2)
    rho = a * F0 * (1 - e2) * (1 - e2 * sin**2) ** -1.5
    eta2 = nu / rho - 1
    d, s = lat - LAT0, lat + LAT0
    meridian = (
        b
        * F0
        * (
            (1 + n + 5 / 4 * n**2 + 5 / 4 * n**3) * d
            - (3 * n + 3 * n**2 + 21 / 8 * n**3) * np.sin(d) * np.cos(s)
            + (15 / 8 * n**2 + 15 / 8 * n**3) * np.sin(2 * d) * np.cos(2 * s)
            - 35 / 24 * n**3 * np.sin(3 * d) * np.cos(3 * s)
        )
    )
    i = meridian + N0
    ii = nu / 2 * sin * cos
    iii = nu / 24 * sin * cos**3 * (5 - tan**2 + 9 * eta2)
    iiia = nu / 720 * sin * cos**5 * (61 - 58 * tan**2 + tan**4)
    iv = nu * cos
    v = nu / 6 * cos**3 * (nu / rho - tan**2)
    vi = nu / 120 * cos**5 * (5 - 18 * tan**2 + tan**4 + 14 * eta2 - 58 * tan**2 * eta2)
    dl = lon - LON0
    northing = i + ii * dl**2 + iii * dl**4 + iiia * dl**6
    easting = E0 + iv * dl + v * dl**3 + vi * dl**5
    return easting, northing


def simplify(ring: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas-Peucker on a closed ring: the first point stays, and so does the point
    farthest from it, so that the ring cannot collapse to a line."""
    if len(ring) < KEEP_RINGS_UNDER:
        return ring
    far = int(np.argmax(np.hypot(*(ring - ring[0]).T)))
    keep = np.zeros(len(ring), bool)
    keep[[0, far, len(ring) - 1]] = True
    stack = [(0, far), (far, len(ring) - 1)]
    while stack:
        start, end = stack.pop()
        if end - start < 2:
            continue
        inner = ring[start + 1 : end]
        a, b = ring[start], ring[end]
        ab = b - a
        length = np.hypot(*ab)
        if length == 0:
            distances = np.hypot(*(inner - a).T)
        else:
            distances = np.abs(ab[0] * (inner[:, 1] - a[1]) - ab[1] * (inner[:, 0] - a[0]))
            distances /= length
        worst = int(np.argmax(distances))
        if distances[worst] > tolerance:
            middle = start + 1 + worst
            keep[middle] = True
            stack += [(start, middle), (middle, end)]
    return ring[keep]


def ring_area_km2(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))) / 2 / 1e6


def _polygons(geometry: dict, where: str) -> list:
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return geometry["coordinates"]
    raise BoundaryError(f"{where}: the geometry is {kind!r} (expected Polygon or MultiPolygon)")


def _area_of(feature: dict, number: int, file_name: str, tolerance: float) -> ForceArea:
    properties = feature.get("properties") or {}
    code, name = properties.get(CODE), properties.get(NAME)
    where = f"{file_name}, feature {number}"
    if not code or not name:
        raise BoundaryError(f"{where}: {CODE} or {NAME} is missing (expected both)")
    rings, area = [], 0.0
    for polygon in _polygons(feature.get("geometry"), f"{where} ({code})"):
        for index, ring in enumerate(polygon):
            points = np.asarray(ring, float)
            if points.ndim != 2 or points.shape[0] < 4 or points.shape[1] < 2:
                raise BoundaryError(
                    f"{where} ({code}): a ring has fewer than 4 points (expected a closed ring)"
                )
            easting, northing = to_grid(points[:, 0], points[:, 1])
            projected = np.column_stack([easting, northing])
            size = ring_area_km2(projected)
            if index == 0:
                area += size
                if size < MIN_ISLAND_KM2:
                    break  # an islet and any hole in it: invisible at the map's scale
            else:
                area -= size
            rings.append(simplify(projected, tolerance))
    return ForceArea(code, name, tuple(rings), area)


def read_force_areas(path: Path | None = None, tolerance: float = TOLERANCE_M):
    """Force code -> ForceArea, in the order of the file."""
    path = Path(path) if path is not None else DATA_DIR / BOUNDARY_FILE
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        missing = f"{path.name}: the file is missing (expected it in {path.parent})"
        raise BoundaryError(missing) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BoundaryError(f"{path.name}: the file is not GeoJSON ({error})") from None
    features = collection.get("features") if isinstance(collection, dict) else None
    if not features:
        raise BoundaryError(f"{path.name}: there are no features (expected one per force area)")
    areas: dict[str, ForceArea] = {}
    for number, feature in enumerate(features, start=1):
        area = _area_of(feature, number, path.name, tolerance)
        if area.code in areas:
            raise BoundaryError(
                f"{path.name}, feature {number}: {area.code} is a second feature for this "
                "force area (expected one)"
            )
        areas[area.code] = area
    return areas


@cache
def shipped_force_areas() -> dict[str, ForceArea]:
    return read_force_areas()


def matched_to_forces(areas: dict[str, ForceArea], force_codes: list[str]):
    """The areas of the registry's forces, matched by code; a force without one is an error.

    Areas whose code is not a registry force are left out (the caller lists them): a registry
    holding only some forces, as in a test, still gets its map.
    """
    missing = sorted(set(force_codes) - set(areas))
    if missing:
        raise BoundaryError(
            f"{BOUNDARY_FILE}: no boundary with {CODE} {', '.join(missing)} (expected one "
            "for every force in the registry)"
        )
    return {code: areas[code] for code in force_codes}
