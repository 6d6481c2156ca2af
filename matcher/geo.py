"""Belgian postcodes -> province and region, and approximate distances.

The tables are data under ``matcher/resources/``: ``postcode_ranges.csv`` (the official bpost
ranges -> province and region), ``municipalities.csv`` (the main municipality of ~340 postcodes
with its centroid, rounded to ~1 km, written for this project from public maps; approximate),
``municipality_aliases.csv`` (French/English names) and ``province_centroids.csv``.

A postcode not in the municipality table takes the numerically nearest postcode of the same
province (Belgian postcodes are assigned roughly geographically), and a place with neither takes
its province centroid. ``Location.precision`` says which was used. Distance is the great-circle
distance in km (haversine) — a straight line, not a travel time: treat it as an estimate within
~10 km.

>>> province_of("2800")
('Antwerpen', 'Vlaanderen')
>>> loc = locate(postcode="9000")
>>> loc.municipality, loc.province
('Gent', 'Oost-Vlaanderen')
>>> round(distance_km(locate(postcode="9000"), locate(postcode="2000")))
51
"""
from __future__ import annotations

import bisect
import math
import unicodedata

import numpy as np

from indexer.domain import Location
from matcher.resources import load_csv


def _load_ranges() -> list[tuple[int, int, str, str]]:
    """``(first, last, province, region)`` per official postcode range."""
    return [(int(r["first"]), int(r["last"]), r["province"], r["region"]) for r in load_csv("postcode_ranges.csv")]


def _load_centroids() -> dict[str, tuple[float, float]]:
    return {r["province"]: (float(r["lat"]), float(r["lon"])) for r in load_csv("province_centroids.csv")}


def _load_municipalities() -> dict[str, tuple[str, float, float]]:
    """postcode -> (main municipality, lat, lon), in file order (the synthetic generator samples it)."""
    return {r["postcode"]: (r["municipality"], float(r["lat"]), float(r["lon"])) for r in load_csv("municipalities.csv")}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(text.replace("-", " ").split())


def _load_names(municipalities: dict[str, tuple[str, float, float]]) -> dict[str, str]:
    """Folded municipality name -> postcode; French/English names (``municipality_aliases.csv``) win."""
    names: dict[str, str] = {}
    for pc, (name, _, _) in municipalities.items():
        names.setdefault(_fold(name), pc)
    names.update({r["name"]: r["postcode"] for r in load_csv("municipality_aliases.csv")})
    return names


_RANGES = _load_ranges()
_REGION_OF_PROVINCE = {province: region for _, _, province, region in _RANGES}
#: Approximate province centroids (lat, lon), the fallback when only the province is known.
PROVINCE_CENTROIDS = _load_centroids()
#: postcode -> (main municipality, lat, lon); approximate centroids.
MUNICIPALITIES = _load_municipalities()
_POSTCODES_SORTED = sorted(int(p) for p in MUNICIPALITIES)
_BY_NAME = _load_names(MUNICIPALITIES)


def province_of(postcode: str | int | None) -> tuple[str, str]:
    """``(province, region)`` for a Belgian postcode, ``("", "")`` when it is not one."""
    try:
        pc = int(str(postcode).strip()[:4])
    except (TypeError, ValueError):
        return "", ""
    for lo, hi, province, region in _RANGES:
        if lo <= pc <= hi:
            return province, region
    return "", ""


def _nearest_in_province(pc: int, province: str) -> str | None:
    i = bisect.bisect_left(_POSTCODES_SORTED, pc)
    best, best_d = None, None
    for j in (i - 2, i - 1, i, i + 1):
        if 0 <= j < len(_POSTCODES_SORTED):
            cand = _POSTCODES_SORTED[j]
            if province_of(cand)[0] != province:
                continue
            d = abs(cand - pc)
            if best_d is None or d < best_d:
                best, best_d = str(cand), d
    return best


def locate(*, postcode: str | None = None, municipality: str | None = None, province: str | None = None) -> Location:
    """A :class:`Location` with province, region and approximate coordinates filled in."""
    postcode = (postcode or "").strip()
    municipality = (municipality or "").strip()
    if not postcode and municipality:
        postcode = _BY_NAME.get(_fold(municipality), "")
    prov, region = province_of(postcode) if postcode else ("", "")
    if not prov and province:
        prov = province
        region = _REGION_OF_PROVINCE.get(province, "Wallonië")
    loc = Location(municipality=municipality, postcode=postcode, province=prov, region=region)
    if postcode in MUNICIPALITIES:
        name, loc.lat, loc.lon = MUNICIPALITIES[postcode]
        loc.municipality = loc.municipality or name
        loc.precision = "postcode"
    elif postcode and prov:
        near = _nearest_in_province(int(postcode[:4]), prov)
        if near:
            _, loc.lat, loc.lon = MUNICIPALITIES[near]
            loc.precision = "nearby_postcode"
    if loc.lat is None and prov in PROVINCE_CENTROIDS:
        loc.lat, loc.lon = PROVINCE_CENTROIDS[prov]
        loc.precision = "province"
    return loc


def complete(loc: Location) -> Location:
    """Fill province, region and coordinates of a partially given location (returns a new one)."""
    if loc.lat is not None and loc.province:
        return loc
    full = locate(postcode=loc.postcode, municipality=loc.municipality, province=loc.province)
    if loc.lat is not None:
        full.lat, full.lon, full.precision = loc.lat, loc.lon, loc.precision or "given"
    return full


def distance_km(a: Location, b: Location) -> float | None:
    """Great-circle distance in km, ``None`` when either place has no coordinates."""
    if a.lat is None or b.lat is None or a.lon is None or b.lon is None:
        return None
    return float(haversine_km(a.lat, a.lon, np.array([b.lat]), np.array([b.lon]))[0])


def haversine_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Vectorised distance from one point to many (NaN where coordinates are missing)."""
    r = 6371.0
    p1, p2 = math.radians(lat), np.radians(lats)
    dphi = p2 - p1
    dl = np.radians(lons) - math.radians(lon)
    h = np.sin(dphi / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * r * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
