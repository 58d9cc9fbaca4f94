"""Discretion shared by the key-figure cube and the benchmark rows of the `vh_datamart` package.

The package shows every kommune's benchmark row per ydelse (unique and full-time recipients); a
cube figure with discretion sums the full-time recipients of some of those rows, and its
individuals are theirs. So, per kommune and period, a published figure is an equation over
published rows: a figure over six ydelser minus five shown rows gives the sixth away, and a
withheld figure whose rows are all published is their sum. After the cube's own discretion
(`diskretion.undertryk`, figure by figure), `afstem` decides per kommune:

- a row is withheld when it has fewer than five recipients (`primaer`) or a withheld figure of
  its kommune rests on it (`sekundaer`);
- a shown figure whose equation would give a withheld row away withholds the cheapest further
  rows (`sekundaer`) that leave every withheld number an interval, as the cube's regions do; a
  row published by a single-ydelse figure cannot help, and with no other row the figure itself
  is withheld;
- a withheld figure whose rows are all published (by single-ydelse figures) withholds the
  cheapest of those figures.

A figure withheld here goes back to the cube, whose hierarchy may then withhold more, until
nothing changes (`kube.cube`; this module is Voksenhandicap's `maal.Afstemning`, offered by
`OMRAADE.afstemninger`). The attacker is `diskretion.py`'s, one equation at a time: each
kommune's figures over rows, beside each figure's kommune → region → Danmark tree. Rows are
published for every ydelse and the cube has a cell for every kommune of the data, so no absence
tells an attacker that a withheld number is zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import dagster as dg
import polars as pl

from flis_assets.defs.noegletal import diskretion, maal
from flis_assets.omraader.voksenhandicap.harmoniseret import GODKENDT_DST, godkendt_join
from flis_assets.omraader.voksenhandicap.maal import ydelser
from flis_assets.defs.noegletal.diskretion import MIN_INDIVIDER, PRIMAER, SEKUNDAER

HELAAR = diskretion.Tal("helaarsmodtagere", diskretion.IKKE_NEGATIV)
INDIVIDER = diskretion.Tal("individer", diskretion.INDIVIDER)
TAL = [HELAAR, INDIVIDER]
Vaerdier = Mapping[str, float | None]  # a row's or a figure's HELAAR and INDIVIDER


# The measure whose numbers the benchmark rows publish per ydelse (`omraader/voksenhandicap/maal.py`).
HELAARSMODTAGERE = "helaarsmodtagere"


@dataclass(frozen=True)
class Figur:
    noegletal_id: str
    ydelser: frozenset[str]
    side: str  # the number that is the rows' full-time recipients: taeller or naevner


@maal.glemmes
@cache
def figurer() -> tuple[Figur, ...]:
    """The figures with discretion whose individuals are the recipients behind benchmark rows: those
    of the full-time recipients over the figure's ydelser, from the key-figure catalogue."""
    out = []
    for f in maal.figurer():
        if f["diskretion"] and (side := f["individer"]) and f[f"{side}_maal"] == HELAARSMODTAGERE:
            out.append(Figur(f["noegletal_id"], frozenset(ydelser(f[f"{side}_argument"])), side))
    return tuple(out)


# Every kommune of the period's data, whichever area's measure it came from (residents, VH,
# Økonomi, ...): the cube has a cell and the package a row for each, so an absent one never tells
# that it is empty.
KOMMUNER_SQL = maal.kommuner_sql()

# The benchmark rows as the package publishes them: every kommune of the period's data and every
# ydelse of the code list, zero where nobody received it. A row left out would say "zero": a
# withheld cell of the cube that the package shows to be empty is no cover for its neighbours.
RAEKKER_SQL = f"""
WITH kommuner AS ({KOMMUNER_SQL})
SELECT k.periode, k.kommunekode AS handlekommune, y.ydelseskode,
    coalesce(b.unikke_modtagere, 0) AS unikke_modtagere, coalesce(b.helaarsmodtagere, 0) AS helaarsmodtagere,
    coalesce(b.godkendt_dst, {GODKENDT_DST}) AS godkendt_dst
FROM kommuner k CROSS JOIN kodelister.vh_ydelser y
LEFT JOIN datamart.vh_benchmark b
       ON b.periode = k.periode AND b.handlekommune = k.kommunekode AND b.ydelseskode = y.ydelseskode
{godkendt_join("k.kommunekode", "y.ydelseskode", "year(k.periode) || 'K' || quarter(k.periode)")}
"""


# What the cube's asset writes of it (`maal.Afstemning`).
TABEL = "noegletal.vh_benchmark_diskretion"
DDL = """CREATE TABLE IF NOT EXISTS noegletal.vh_benchmark_diskretion (
    periode DATE NOT NULL, handlekommune INTEGER NOT NULL, ydelseskode VARCHAR NOT NULL, diskretion_aarsag VARCHAR NOT NULL
)"""
BESKRIVELSE = ("De benchmarkrækker (kommune og ydelse), som datapakken vh_datamart skjuler, med årsag: færre end fem "
               "modtagere (primær), et skjult nøgletal hviler på rækken, eller rækken kunne ellers regnes ud af et vist "
               "nøgletal over flere ydelser (sekundær). Afgøres sammen med kuben.")
LAESER = tuple(dict.fromkeys([*maal.laeser(), dg.AssetKey(["datamart", "vh_benchmark"]),
                              dg.AssetKey(["referencedata", "godkendte_kommuner"])]))


def hviler_paa_sql() -> str:
    """(noegletal_id, ydelseskode): the benchmark rows each figure with discretion rests on."""
    return " UNION ALL ".join(f"SELECT '{f.noegletal_id}' AS noegletal_id, unnest({sorted(f.ydelser)}) AS ydelseskode"
                              for f in figurer())


def _ligning(f: Figur, figur: Vaerdier, raekker: Mapping[str, Vaerdier], kendt: Mapping[str, Vaerdier]
             ) -> diskretion.Tabel:
    """A shown figure's equation as a one-region table: the figure is the region and its rows the
    kommuner; rows a single-ydelse figure publishes (`kendt`) are taken off the total instead."""
    til_stede = sorted(f.ydelser & raekker.keys())
    total = {t.navn: figur[t.navn] - sum(kendt[y][t.navn] for y in til_stede if y in kendt) for t in TAL}
    ukendte = tuple(y for y in til_stede if y not in kendt)
    return diskretion.Tabel(TAL, {f.noegletal_id: total, **{y: raekker[y] for y in ukendte}},
                            land="", struktur={f.noegletal_id: ukendte})


def _kendt(celler: Mapping[str, Vaerdier | None], raekker: Mapping[str, Vaerdier]) -> dict[str, Vaerdier]:
    """The rows a shown single-ydelse figure publishes, with the figure's numbers."""
    return {y: celler[f.noegletal_id] for f in figurer() if len(f.ydelser) == 1 and celler.get(f.noegletal_id)
            for y in f.ydelser if y in raekker}


def afstem(raekker: Mapping[str, Vaerdier], celler: Mapping[str, Vaerdier | None]) -> tuple[dict[str, str], set[str]]:
    """One kommune and period: each withheld row's reason, and the shown figures to withhold too.

    `raekker`: ydelseskode → the row's numbers; `celler`: noegletal_id → the figure's numbers, or
    None when the cube withheld it (only figures the kommune has)."""
    aarsag = {y: PRIMAER for y, r in raekker.items() if r[INDIVIDER.navn] < MIN_INDIVIDER}
    for f in figurer():
        if f.noegletal_id in celler and celler[f.noegletal_id] is None:
            aarsag.update({y: SEKUNDAER for y in f.ydelser & raekker.keys() if y not in aarsag})
    kendt = _kendt(celler, raekker)
    vaegt = {y: r[INDIVIDER.navn] for y, r in raekker.items()}
    tving: set[str] = set()
    for f in figurer():
        til_stede = f.ydelser & raekker.keys()
        if len(f.ydelser) == 1 or f.noegletal_id not in celler or not til_stede:
            continue
        if (figur := celler[f.noegletal_id]) is not None:
            tabel = _ligning(f, figur, raekker, kendt)
            if not diskretion.sikker(tabel, aarsag, f.noegletal_id):
                tillaeg = diskretion.billigste_tillaeg(tabel, f.noegletal_id, aarsag, vaegt)
                if tillaeg is None:
                    tving.add(f.noegletal_id)
                else:
                    aarsag.update({y: SEKUNDAER for y in tillaeg})
        elif til_stede <= kendt.keys():  # withheld, yet the sum of published rows (only a figure
            # over ydelser that all have figures of their own: the package has every ydelse's row)
            enkelte = [g for g in figurer() if len(g.ydelser) == 1 and g.ydelser <= til_stede and celler.get(g.noegletal_id)]
            tving.add(min(enkelte, key=lambda g: (vaegt[next(iter(g.ydelser))], g.noegletal_id)).noegletal_id)
    return aarsag, tving


def _mindst(raekke: Vaerdier, t: diskretion.Tal, aarsag: str | None) -> float:
    """The least a row's number is to anyone: its value when shown; withheld, its bounds (a secondary
    row has at least five recipients)."""
    return raekke[t.navn] if aarsag is None else max(diskretion.graenser(t, aarsag)[0], 0.0)


def afstem_omraade(celler: Mapping[str, Vaerdier | str], raekker: Mapping[tuple[int, str], Vaerdier],
                   aarsag: Mapping[tuple[int, str], str]) -> set[str]:
    """One region or the country: the shown figures over several ydelser to withhold, because their
    equation over the area's rows would give a withheld number away. A figure is the sum of the
    area's shown single-ydelse figures over its ydelser, its withheld ones (each known to be under
    five or not by its reason, and at least its published rows and five for each secondary one) and
    the area's other rows of its ydelser (when that rest is zero, every one of them is zero).

    `celler`: noegletal_id → the area's numbers, or the reason when withheld; `raekker`: (kommune,
    ydelseskode) → every row of the area's kommuner; `aarsag`: the withheld rows' reasons."""
    enkelte = [f for f in figurer() if len(f.ydelser) == 1 and f.noegletal_id in celler]
    tving = set()
    for f in figurer():
        if len(f.ydelser) == 1 or not isinstance(celler.get(f.noegletal_id), Mapping):
            continue
        under = [g for g in enkelte if g.ydelser <= f.ydelser]
        vist = [g for g in under if isinstance(celler[g.noegletal_id], Mapping)]
        skjult = [g for g in under if g not in vist]
        dele = [d for d in raekker if d[1] in f.ydelser and not any(d[1] in g.ydelser for g in under)]
        if not skjult and not any(d in aarsag for d in dele):
            continue
        total = {t.navn: celler[f.noegletal_id][t.navn] - sum(celler[g.noegletal_id][t.navn] for g in vist) for t in TAL}
        navn = {d: f"{d[0]} {d[1]}" for d in dele}
        tabel = diskretion.Tabel(
            TAL, {f.noegletal_id: total, **{navn[d]: raekker[d] for d in dele}, **{g.noegletal_id: {} for g in skjult}},
            land="", struktur={f.noegletal_id: (*navn.values(), *(g.noegletal_id for g in skjult))},
            nedre={(g.noegletal_id, t.navn): sum(_mindst(raekker[d], t, aarsag.get(d)) for d in raekker
                                                 if d[1] in g.ydelser) for g in skjult for t in TAL})
        del_aarsag = {navn[d]: aarsag[d] for d in dele if d in aarsag} | {g.noegletal_id: celler[g.noegletal_id]
                                                                          for g in skjult}
        if not diskretion.sikker(tabel, del_aarsag, f.noegletal_id):
            tving.add(f.noegletal_id)
    return tving


def nedre_graenser(kube: pl.DataFrame) -> dict[tuple, dict[tuple[str, str], float]]:
    """(periode, noegletal_id) → (omraade, number) → the least a withheld figure's number can be,
    given the published single-ydelse figures of the same area over its ydelser: their full-time
    recipients add up (the ydelser are distinct) and its individuals are at least each one's. Without
    these bounds, a country figure equal to one kommune's published single-ydelse figure would say
    that every other withheld cell is empty."""
    enkelte = {f.noegletal_id: f for f in figurer() if len(f.ydelser) == 1}
    vist = kube.filter(pl.col("noegletal_id").is_in(list(enkelte)) & ~pl.col("diskretioneret")).to_dicts()
    ud: dict[tuple, dict[tuple[str, str], float]] = {}
    for g in figurer():
        for c in vist:
            f = enkelte[c["noegletal_id"]]
            if len(g.ydelser) == 1 or not f.ydelser <= g.ydelser:
                continue
            graenser = ud.setdefault((c["periode"], g.noegletal_id), {})
            o = c["omraade"]
            graenser[(o, g.side)] = graenser.get((o, g.side), 0.0) + (c[f.side] or 0.0)
            graenser[(o, INDIVIDER.navn)] = max(graenser.get((o, INDIVIDER.navn), 0.0), float(c["individer"] or 0))
    return ud


def _numbers(row: dict, f: Figur | None) -> dict[str, float | None]:
    """A cell's (or, with f None, a benchmark row's) numbers as the equations name them."""
    if f is None:
        return {HELAAR.navn: row["helaarsmodtagere"], INDIVIDER.navn: row["unikke_modtagere"]}
    return {HELAAR.navn: row[f.side], INDIVIDER.navn: row["individer"]}


def _per_kommune(celler: pl.DataFrame, raekker: pl.DataFrame, keys: list[str]) -> Iterable[tuple[tuple, dict, dict]]:
    """(key, {noegletal_id: cell row}, {ydelseskode: benchmark row}) per kommune (and period)."""
    c = {k: {r["noegletal_id"]: r for r in part.to_dicts()} for k, part in celler.partition_by(keys, as_dict=True).items()}
    r = {k: {x["ydelseskode"]: x for x in part.to_dicts()} for k, part in raekker.partition_by(keys, as_dict=True).items()}
    for key in sorted(r.keys() | c.keys()):
        yield key, c.get(key, {}), r.get(key, {})


def afstem_alle(foer: pl.DataFrame, kube: pl.DataFrame, benchmark: pl.DataFrame
                ) -> tuple[pl.DataFrame, list[tuple]]:
    """`afstem` for every kommune and period: the withheld benchmark rows (periode, handlekommune,
    ydelseskode, diskretion_aarsag) and the cells to withhold in the cube, (periode, noegletal_id, omraade).

    `foer`: the cube's cells before discretion, `kube` after; `benchmark`: datamart.vh_benchmark."""
    figur = {f.noegletal_id: f for f in figurer()}
    mine = (pl.col("niveau") == "kommune") & pl.col("noegletal_id").is_in(list(figur))
    skjult = kube.filter(mine).select("periode", "omraade", "noegletal_id", "diskretioneret")
    celler = foer.filter(mine).join(skjult, on=["periode", "omraade", "noegletal_id"])
    raekker = benchmark.with_columns(omraade=pl.col("handlekommune").cast(pl.String).str.zfill(3))
    ud, tving = [], []
    for (periode, omraade), c, r in _per_kommune(celler, raekker, ["periode", "omraade"]):
        aarsag, nye = afstem({y: _numbers(x, None) for y, x in r.items()},
                             {i: None if x["diskretioneret"] else _numbers(x, figur[i]) for i, x in c.items()})
        ud += [(periode, int(omraade), y, a) for y, a in aarsag.items()]
        tving += [(periode, i, omraade) for i in nye]
    tving += _tving_omraader(foer, kube, raekker, {(p, k, y): a for p, k, y, a in ud})
    frame = pl.DataFrame(ud, orient="row", schema={"periode": pl.Date, "handlekommune": pl.Int32,
                                                   "ydelseskode": pl.String, "diskretion_aarsag": pl.String})
    return frame, tving


def _tving_omraader(foer: pl.DataFrame, kube: pl.DataFrame, raekker: pl.DataFrame, aarsag: Mapping[tuple, str]
                    ) -> list[tuple]:
    """`afstem_omraade` for every region and the country of every period: (periode, noegletal_id, omraade)."""
    figur = {f.noegletal_id: f for f in figurer()}
    omraader = pl.col("niveau").is_in(["region", "land"]) & pl.col("noegletal_id").is_in(list(figur))
    celler = foer.filter(omraader).join(
        kube.filter(omraader).select("periode", "omraade", "noegletal_id", "diskretioneret", "diskretion_aarsag"),
        on=["periode", "omraade", "noegletal_id"])
    region = {int(k): r for r, ks in diskretion.regioner().items() for k in ks}
    rows: dict[tuple, dict[tuple[int, str], Vaerdier]] = {}
    for x in raekker.to_dicts():
        k = x["handlekommune"]
        for o in (region.get(k), "Danmark"):
            rows.setdefault((x["periode"], o), {})[(k, x["ydelseskode"])] = _numbers(x, None)
    tving = []
    for (periode, omraade), part in celler.partition_by(["periode", "omraade"], as_dict=True).items():
        r = rows.get((periode, omraade), {})
        c = {x["noegletal_id"]: x["diskretion_aarsag"] if x["diskretioneret"] else _numbers(x, figur[x["noegletal_id"]])
             for x in part.to_dicts()}
        a = {(k, y): aarsag[(periode, k, y)] for k, y in r if (periode, k, y) in aarsag}
        tving += [(periode, i, omraade) for i in afstem_omraade(c, r, a)]
    return tving


def angrib(frame: pl.DataFrame) -> pl.DataFrame:
    """The attack on one period's published figures and rows (`datapakker.noegletal`'s kommune cells
    of `figurer()` and `datapakker.vh_datamart`, withheld numbers NULL): every withheld number that
    a kommune's equations give away, (omraade, noegletal_id, ydelseskode, tal, fra, til, regel)."""
    figur = {f.noegletal_id: f for f in figurer()}
    celler = frame.filter(pl.col("tabel") == "noegletal").rename({"noegle": "noegletal_id"})
    raekker = frame.filter(pl.col("tabel") == "vh_datamart").rename({"noegle": "ydelseskode"})
    ud = []
    for (omraade,), c, r in _per_kommune(celler, raekker, ["omraade"]):
        vist = {i: None if x["diskretioneret"] else _numbers(x, figur[i]) for i, x in c.items()}
        kendt = _kendt(vist, r)
        tal = {y: kendt.get(y) or _numbers(x, None) for y, x in r.items()}
        aarsag = {y: x["diskretion_aarsag"] for y, x in r.items() if x["diskretioneret"] and y not in kendt}
        for i, v in vist.items():
            f, til_stede = figur[i], figur[i].ydelser & r.keys()
            if len(f.ydelser) == 1 or not til_stede:  # no row: none to give away
                continue
            if v is None:
                if not til_stede & aarsag.keys():
                    ud.append((omraade, i, None, HELAAR.navn, None, None, "NOEGLETAL_ER_SUMMEN_AF_VISTE_RAEKKER"))
                continue
            tabel = _ligning(f, v, tal, kendt)
            for t in TAL:
                for y, (lo, hi) in diskretion.region_intervaller(tabel, i, t, aarsag).items():
                    if diskretion.er_punkt(lo, hi):
                        ud.append((omraade, i, y, t.navn, lo, hi, "RAEKKE_KAN_UDREGNES_AF_NOEGLETAL"))
    return pl.DataFrame(ud, orient="row", schema={
        "omraade": pl.String, "noegletal_id": pl.String, "ydelseskode": pl.String, "tal": pl.String,
        "fra": pl.Float64, "til": pl.Float64, "regel": pl.String})
