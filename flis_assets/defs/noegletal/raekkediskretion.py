"""Rows an area publishes beside the cube that figures sum: their discretion, decided with the cube's.

An area's package may show, per kommune and period, rows (a code: a ydelse, an indsatstype) with
two numbers: an additive sum (full-time recipients, visited hours) and the individuals behind it.
A cube figure with discretion may be such a sum: per kommune, some of its published numbers equal
the sum of its rows' numbers (`Figur.tal`: which cell column equals which row number; a column
may be the rows' sum times a factor of the period, `skala`). So, per kommune and period, a
published figure is an equation over published rows: a figure over two rows minus one shown row
gives the other away, and a withheld figure whose rows are all published is their sum. After the
cube's own discretion (`diskretion.undertryk`, figure by figure), `Raekketabel.afstem` decides
per kommune:

- a row is withheld when it has fewer than five individuals (`primaer`) or a withheld figure of
  its kommune rests on it (`sekundaer`);
- a shown figure whose equation would give a withheld row away withholds the cheapest further
  rows (`sekundaer`) that leave every withheld number an interval, as the cube's regions do; a
  row published by a single-row figure cannot help, and with no other row the figure itself is
  withheld;
- a withheld figure whose rows are all published (by single-row figures), or whose numbers a
  shown figure over the same rows publishes too, withholds the cheapest of those figures.

A figure withheld here goes back to the cube, whose hierarchy may then withhold more, until
nothing changes (`kube.cube`; a `Raekketabel` is a `maal.Afstemning`, offered by the area's
`Omraade.afstemninger`). The attacker is `diskretion.py`'s, one equation at a time: each
kommune's figures over rows, beside each figure's kommune → region → Danmark tree.

A figure may rest on rows only where its measure has data (`Figur.med_data`: a side limited to
kommuner with another area's source): elsewhere its cell is empty and says nothing of the rows,
and its region sums only those kommuner. Who delivers is public, so the attacker knows it too.

The platform names no area: each area gives its rows' SQL, columns and figures (`Raekketabel`).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import dagster as dg
import polars as pl

from flis_assets.defs.noegletal import diskretion
from flis_assets.defs.noegletal.diskretion import MIN_INDIVIDER, PRIMAER, SEKUNDAER

INDIVIDER = "individer"  # the name of the rows' individuals in the equations (and the cube's column)
UDEN_DATA = "figurer_uden_data"  # the rows' column: the figures with no data in the row's kommune
Vaerdier = Mapping[str, float | None]  # a row's or a figure's numbers by their names in the equations


def ddl(tabel: str, kommune: str, kode: str) -> str:
    """The table of the withheld rows the cube's asset writes (`Raekketabel.TABEL`)."""
    return f"""CREATE TABLE IF NOT EXISTS {tabel} (
    periode DATE NOT NULL, {kommune} INTEGER NOT NULL, {kode} VARCHAR NOT NULL, diskretion_aarsag VARCHAR NOT NULL
)"""


def beskrivelse(raekker: str, kode: str, koder: str, pakke: str) -> str:
    """Of the table, for people: `raekker` the rows (benchmarkrækker), `kode` and `koder` their code
    in the singular and plural (ydelse, ydelser), `pakke` the package showing them."""
    return (f"De {raekker} (kommune og {kode}), som datapakken {pakke} skjuler, med årsag: færre end fem modtagere "
            "(primær), et skjult nøgletal hviler på rækken, eller rækken kunne ellers regnes ud af et vist nøgletal "
            f"over flere {koder} (sekundær). Afgøres sammen med kuben.")


@dataclass(frozen=True)
class Figur:
    """A cube figure resting on rows: `tal` maps each row number it publishes (the table's sum name
    or `individer`) to the cell column that equals the sum of its rows' numbers."""

    noegletal_id: str
    koder: frozenset[str]
    tal: Mapping[str, str]
    # the cell's column of the sum is the rows' sum × skala(periode) (hours per week → in the period)
    skala: Callable[[date], float] | None = None
    # (fra, til) -> periode, kommunekode where the figure has data and so rests on the rows; None: everywhere
    med_data: Callable[[str, str], str] | None = None

    def udgiver_alt(self, navne: Container[str]) -> bool:
        return all(t in self.tal for t in navne)


def _omraade(kolonne: str) -> pl.Expr:
    return pl.col(kolonne).cast(pl.String).str.zfill(3)


@dataclass(frozen=True)
class Raekketabel:
    """One area's rows beside the cube (`maal.Afstemning`): what the cube's asset writes (`TABEL`,
    `DDL`, `BESKRIVELSE`, `LAESER`), the rows as published (`raekker_sql`: periode, `kommune`, `kode`,
    `sum`, `individer` for $fra..$til, zero rows included), and the figures resting on them."""

    TABEL: str
    DDL: str
    BESKRIVELSE: str
    LAESER: Sequence[dg.AssetKey]
    raekker_sql: str
    kommune: str  # the rows' kommune column (INTEGER)
    kode: str  # the rows' code column
    sum: str  # the rows' additive number (also its name in the equations)
    individer: str  # the rows' individuals column
    figurer: Callable[[], tuple[Figur, ...]]
    pakke: str  # the package table publishing the rows (`tabel` of the attack's frame)

    # -- the numbers ---------------------------------------------------------------------------------

    @property
    def tal(self) -> list[diskretion.Tal]:
        return [diskretion.Tal(self.sum, diskretion.IKKE_NEGATIV), diskretion.Tal(INDIVIDER, diskretion.INDIVIDER)]

    def raekke(self, row: Mapping) -> dict[str, float | None]:
        """A row's numbers as the equations name them."""
        return {self.sum: row[self.sum], INDIVIDER: row[self.individer]}

    def celle(self, row: Mapping, f: Figur) -> dict[str, float | None]:
        """A cell's numbers as the equations name them (the rows' units: a scaled sum divided back)."""
        ud = {}
        for t, kolonne in f.tal.items():
            v = row[kolonne]
            ud[t] = v / f.skala(row["periode"]) if v is not None and t == self.sum and f.skala else v
        return ud

    # -- SQL -----------------------------------------------------------------------------------------

    def _uden_data(self, alias: str, fra: str, til: str) -> tuple[str, str]:
        """(joins, list expression) of the figures without data in the kommune of rows `alias`."""
        delvise = [f for f in self.figurer() if f.med_data]
        joins = "".join(f"""
LEFT JOIN (SELECT DISTINCT periode, kommunekode, true AS d FROM ({f.med_data(fra, til)})) m{i}
       ON m{i}.periode = {alias}.periode AND m{i}.kommunekode = {alias}.{self.kommune}""" for i, f in enumerate(delvise))
        liste = ", ".join(f"CASE WHEN m{i}.d IS NULL THEN '{f.noegletal_id}' END" for i, f in enumerate(delvise))
        return joins, f"list_filter([{liste}]::VARCHAR[], lambda x: x IS NOT NULL)"

    @property
    def RAEKKER_SQL(self) -> str:  # noqa: N802 - the protocol's name
        """The rows for $fra..$til, with the figures that have no data in their kommune."""
        if not any(f.med_data for f in self.figurer()):
            return self.raekker_sql
        joins, liste = self._uden_data("r", "$fra", "$til")
        return f"SELECT r.*, {liste} AS {UDEN_DATA} FROM ({self.raekker_sql}) r{joins}"

    def hviler_paa_sql(self) -> str:
        """(noegletal_id, kode): the rows each figure rests on (where it has data)."""
        return " UNION ALL ".join(f"SELECT '{f.noegletal_id}' AS noegletal_id, unnest({sorted(f.koder)}) AS {self.kode}"
                                  for f in self.figurer())

    def hviler_her(self, periode: str, kommunekode: str, noegletal_id: str, fra: str = "$maaned",
                   til: str = "$maaned") -> str:
        """An SQL condition: the figure `noegletal_id` rests on the rows of the kommune and period (the
        three SQL expressions), i.e. it has data there (`Figur.med_data`)."""
        delvise = [f for f in self.figurer() if f.med_data]
        if not delvise:
            return "true"
        data = " UNION ALL ".join(f"SELECT periode, kommunekode, '{f.noegletal_id}' AS noegletal_id "
                                  f"FROM ({f.med_data(fra, til)})" for f in delvise)
        return (f"({noegletal_id} NOT IN ({', '.join(repr(f.noegletal_id) for f in delvise)}) OR EXISTS (SELECT 1 FROM "
                f"({data}) m WHERE m.periode = {periode} AND m.kommunekode = {kommunekode} "
                f"AND m.noegletal_id = {noegletal_id}))")

    def angreb_sql(self) -> str:
        """One period ($maaned) of the published figures (kommune level) and the package's rows, as
        `angrib` reads them."""
        joins, liste = self._uden_data("p", "$maaned", "$maaned")
        return f"""
SELECT 'noegletal' AS tabel, periode, omraade, noegletal_id AS noegle, taeller, naevner, individer,
    NULL::DOUBLE AS {self.sum}, NULL::DOUBLE AS {self.individer}, diskretioneret, diskretion_aarsag,
    []::VARCHAR[] AS {UDEN_DATA}
FROM datapakker.noegletal WHERE periode = $maaned AND niveau = 'kommune'
  AND noegletal_id IN (SELECT DISTINCT noegletal_id FROM ({self.hviler_paa_sql()}))
UNION ALL
SELECT '{self.pakke}', p.periode, lpad(p.{self.kommune}::VARCHAR, 3, '0'), p.{self.kode}, NULL, NULL, NULL,
    p.{self.sum}, p.{self.individer}, p.diskretioneret, p.diskretion_aarsag, {liste}
FROM datapakker.{self.pakke} p{joins}
WHERE p.periode = $maaned AND p.{self.kode} IN (SELECT {self.kode} FROM ({self.hviler_paa_sql()}))
"""

    # -- one kommune ---------------------------------------------------------------------------------

    def _kendt(self, celler: Mapping[str, Vaerdier | None], raekker: Mapping[str, Vaerdier]
               ) -> tuple[dict[str, Vaerdier], dict[tuple[str, str], float]]:
        """The rows a shown single-row figure publishes: whole (every number), and in part
        ((kode, number) → value: a figure publishing the individuals only)."""
        hel, delvis = {}, {}
        for f in self.figurer():
            if len(f.koder) == 1 and celler.get(f.noegletal_id):
                for y in f.koder & raekker.keys():
                    if f.udgiver_alt([t.navn for t in self.tal]):
                        hel[y] = celler[f.noegletal_id]
                    else:
                        delvis.update({(y, t): v for t, v in celler[f.noegletal_id].items()})
        return hel, delvis

    def _ligning(self, f: Figur, figur: Vaerdier, raekker: Mapping[str, Vaerdier], kendt: Mapping[str, Vaerdier],
                 delvis: Mapping[tuple[str, str], float]) -> diskretion.Tabel:
        """A shown figure's equation as a one-region table: the figure is the region and its rows the
        kommuner; rows a single-row figure publishes whole (`kendt`) are taken off the total instead."""
        tal = [t for t in self.tal if t.navn in f.tal]
        til_stede = sorted(f.koder & raekker.keys())
        total = {t.navn: figur[t.navn] - sum(kendt[y][t.navn] for y in til_stede if y in kendt) for t in tal}
        ukendte = tuple(y for y in til_stede if y not in kendt)
        return diskretion.Tabel(tal, {f.noegletal_id: total, **{y: raekker[y] for y in ukendte}},
                                land="", struktur={f.noegletal_id: ukendte},
                                kendte={(y, t): v for (y, t), v in delvis.items() if y in ukendte})

    def _tvilling(self, f: Figur, celler: Mapping[str, Vaerdier | None]) -> list[Figur]:
        """The shown figures over the same rows publishing every number of `f`: a withheld `f` is theirs."""
        return [g for g in self.figurer() if g is not f and g.koder == f.koder and g.udgiver_alt(f.tal)
                and celler.get(g.noegletal_id)]

    def afstem(self, raekker: Mapping[str, Vaerdier], celler: Mapping[str, Vaerdier | None]
               ) -> tuple[dict[str, str], set[str]]:
        """One kommune and period: each withheld row's reason, and the shown figures to withhold too.

        `raekker`: kode → the row's numbers; `celler`: noegletal_id → the figure's numbers, or None
        when the cube withheld it (only figures resting on the kommune's rows)."""
        aarsag = {y: PRIMAER for y, r in raekker.items() if r[INDIVIDER] < MIN_INDIVIDER}
        for f in self.figurer():
            if f.noegletal_id in celler and celler[f.noegletal_id] is None:
                aarsag.update({y: SEKUNDAER for y in f.koder & raekker.keys() if y not in aarsag})
        kendt, delvis = self._kendt(celler, raekker)
        vaegt = {y: r[INDIVIDER] for y, r in raekker.items()}
        tving: set[str] = set()
        for f in self.figurer():
            til_stede = f.koder & raekker.keys()
            if len(f.koder) == 1 or f.noegletal_id not in celler or not til_stede:
                continue
            if (figur := celler[f.noegletal_id]) is not None:
                tabel = self._ligning(f, figur, raekker, kendt, delvis)
                if not diskretion.sikker(tabel, aarsag, f.noegletal_id):
                    tillaeg = diskretion.billigste_tillaeg(tabel, f.noegletal_id, aarsag, vaegt)
                    if tillaeg is None:
                        tving.add(f.noegletal_id)
                    else:
                        aarsag.update({y: SEKUNDAER for y in tillaeg})
            elif til_stede <= kendt.keys():  # withheld, yet the sum of published rows (only a figure
                # over codes that all have figures of their own: the package has every code's row)
                enkelte = [g for g in self.figurer() if len(g.koder) == 1 and g.koder <= til_stede
                           and celler.get(g.noegletal_id)]
                tving.add(min(enkelte, key=lambda g: (vaegt[next(iter(g.koder))], g.noegletal_id)).noegletal_id)
            elif tvillinger := self._tvilling(f, celler):  # withheld, yet published by a shown twin
                tving.update(g.noegletal_id for g in tvillinger)
        return aarsag, tving

    # -- regions and the country ---------------------------------------------------------------------

    def _daekker(self, g: Figur, f: Figur, t: str, celle: Vaerdier | str) -> bool:
        """A single-row figure `g` stands for its rows in `f`'s equation of number `t` when it publishes
        `t` over the same kommuner; withheld, only when its reason bounds `t` (its individuals)."""
        if len(g.koder) != 1 or not g.koder <= f.koder or t not in g.tal or g.med_data is not f.med_data:
            return False
        return isinstance(celle, Mapping) or t == self.sum or g.tal[t] == INDIVIDER

    @staticmethod
    def _raekker_af(f: Figur, raekker: Iterable[tuple[int, str]], uden: Mapping[int, Container[str]]
                    ) -> list[tuple[int, str]]:
        """The area's rows (kommune, kode) a figure's area cell sums: of its codes, where it has data."""
        return [d for d in raekker if d[1] in f.koder and f.noegletal_id not in uden.get(d[0], ())]

    def afstem_omraade(self, celler: Mapping[str, Vaerdier | str], raekker: Mapping[tuple[int, str], Vaerdier],
                       aarsag: Mapping[tuple[int, str], str], uden: Mapping[int, Container[str]] | None = None
                       ) -> set[str]:
        """One region or the country: the shown figures over several codes to withhold, because their
        equation over the area's rows would give a withheld number away. A figure is the sum of the
        area's shown single-row figures over its codes, its withheld ones (each known to be under
        five or not by its reason, and at least its published rows and five for each secondary one) and
        the area's other rows of its codes (when that rest is zero, every one of them is zero).

        `celler`: noegletal_id → the area's numbers, or the reason when withheld; `raekker`: (kommune,
        kode) → every row of the area's kommuner; `aarsag`: the withheld rows' reasons; `uden`:
        kommune → the figures without data there. A withheld figure whose rows a shown one sums too
        (the same numbers) withholds that one."""
        uden = uden or {}
        tving = set()
        for f in self.figurer():
            if isinstance(celler.get(f.noegletal_id), str):  # withheld, yet a shown figure over the same rows
                mine = self._raekker_af(f, raekker, uden)
                tving.update(g.noegletal_id for g in self._tvilling(f, {i: c for i, c in celler.items()
                                                                       if isinstance(c, Mapping)})
                             if mine and self._raekker_af(g, raekker, uden) == mine)
            if len(f.koder) == 1 or not isinstance(celler.get(f.noegletal_id), Mapping):
                continue
            mine = self._raekker_af(f, raekker, uden)
            for t in (t for t in self.tal if t.navn in f.tal):
                under = [g for g in self.figurer() if g.noegletal_id in celler
                         and self._daekker(g, f, t.navn, celler[g.noegletal_id])]
                vist = [g for g in under if isinstance(celler[g.noegletal_id], Mapping)]
                skjult = [g for g in under if g not in vist]
                dele = [d for d in mine if not any(d[1] in g.koder for g in under)]
                if not skjult and not any(d in aarsag for d in dele):
                    continue
                total = {t.navn: celler[f.noegletal_id][t.navn] - sum(celler[g.noegletal_id][t.navn] for g in vist)}
                navn = {d: f"{d[0]} {d[1]}" for d in dele}
                tabel = diskretion.Tabel(
                    [t], {f.noegletal_id: total, **{navn[d]: raekker[d] for d in dele}, **{g.noegletal_id: {} for g in skjult}},
                    land="", struktur={f.noegletal_id: (*navn.values(), *(g.noegletal_id for g in skjult))},
                    nedre={(g.noegletal_id, t.navn): sum(_mindst(raekker[d], t, aarsag.get(d)) for d in mine
                                                         if d[1] in g.koder) for g in skjult})
                del_aarsag = {navn[d]: aarsag[d] for d in dele if d in aarsag} | {g.noegletal_id: celler[g.noegletal_id]
                                                                                  for g in skjult}
                if not diskretion.sikker(tabel, del_aarsag, f.noegletal_id):
                    tving.add(f.noegletal_id)
        return tving

    def nedre_graenser(self, kube: pl.DataFrame) -> dict[tuple, dict[tuple[str, str], float]]:
        """(periode, noegletal_id) → (omraade, column) → the least a withheld figure's number can be,
        given the published single-row figures of the same area over its codes: their sums add up
        (the codes are distinct) and its individuals are at least each one's. Without these bounds, a
        country figure equal to one kommune's published single-row figure would say that every other
        withheld cell is empty."""
        enkelte = {f.noegletal_id: f for f in self.figurer() if len(f.koder) == 1}
        vist = kube.filter(pl.col("noegletal_id").is_in(list(enkelte)) & ~pl.col("diskretioneret")).to_dicts()
        ud: dict[tuple, dict[tuple[str, str], float]] = {}
        for g in self.figurer():
            for c in vist:
                f = enkelte[c["noegletal_id"]]
                if len(g.koder) == 1 or not f.koder <= g.koder or f.med_data is not g.med_data:
                    continue
                graenser = ud.setdefault((c["periode"], g.noegletal_id), {})
                o, tal = c["omraade"], self.celle(c, f)
                if self.sum in f.tal and self.sum in g.tal:
                    noegle = (o, g.tal[self.sum])
                    skala = g.skala(c["periode"]) if g.skala else 1.0
                    graenser[noegle] = graenser.get(noegle, 0.0) + (tal[self.sum] or 0.0) * skala
                if INDIVIDER in f.tal and INDIVIDER in g.tal:
                    noegle = (o, g.tal[INDIVIDER])
                    graenser[noegle] = max(graenser.get(noegle, 0.0), float(tal[INDIVIDER] or 0))
        return ud

    # -- every kommune, region and period ------------------------------------------------------------

    def _per_kommune(self, celler: pl.DataFrame, raekker: pl.DataFrame, keys: list[str]
                     ) -> Iterable[tuple[tuple, dict, dict]]:
        """(key, {noegletal_id: cell row}, {kode: row}) per kommune (and period)."""
        c = {k: {r["noegletal_id"]: r for r in part.to_dicts()}
             for k, part in celler.partition_by(keys, as_dict=True).items()}
        r = {k: {x[self.kode]: x for x in part.to_dicts()} for k, part in raekker.partition_by(keys, as_dict=True).items()}
        for key in sorted(r.keys() | c.keys()):
            yield key, c.get(key, {}), r.get(key, {})

    @staticmethod
    def _uden(rows: Mapping[str, Mapping]) -> set[str]:
        """The figures with no data in the kommune of these rows (none rests on them)."""
        return {i for x in rows.values() for i in (x.get(UDEN_DATA) or ())}

    def afstem_alle(self, foer: pl.DataFrame, kube: pl.DataFrame, raekker: pl.DataFrame
                    ) -> tuple[pl.DataFrame, list[tuple]]:
        """`afstem` for every kommune and period: the withheld rows (periode, kommune, kode,
        diskretion_aarsag) and the cells to withhold in the cube, (periode, noegletal_id, omraade).

        `foer`: the cube's cells before discretion, `kube` after; `raekker`: `RAEKKER_SQL`'s rows."""
        figur = {f.noegletal_id: f for f in self.figurer()}
        mine = (pl.col("niveau") == "kommune") & pl.col("noegletal_id").is_in(list(figur))
        skjult = kube.filter(mine).select("periode", "omraade", "noegletal_id", "diskretioneret")
        celler = foer.filter(mine).join(skjult, on=["periode", "omraade", "noegletal_id"])
        raekker = raekker.with_columns(omraade=_omraade(self.kommune))
        ud, tving = [], []
        for (periode, omraade), c, r in self._per_kommune(celler, raekker, ["periode", "omraade"]):
            uden = self._uden(r)
            aarsag, nye = self.afstem({y: self.raekke(x) for y, x in r.items()},
                                      {i: None if x["diskretioneret"] else self.celle(x, figur[i])
                                       for i, x in c.items() if i not in uden})
            ud += [(periode, int(omraade), y, a) for y, a in aarsag.items()]
            tving += [(periode, i, omraade) for i in nye]
        tving += self._tving_omraader(foer, kube, raekker, {(p, k, y): a for p, k, y, a in ud})
        frame = pl.DataFrame(ud, orient="row", schema={"periode": pl.Date, self.kommune: pl.Int32,
                                                       self.kode: pl.String, "diskretion_aarsag": pl.String})
        return frame, tving

    def _tving_omraader(self, foer: pl.DataFrame, kube: pl.DataFrame, raekker: pl.DataFrame,
                        aarsag: Mapping[tuple, str]) -> list[tuple]:
        """`afstem_omraade` for every region and the country of every period: (periode, noegletal_id, omraade)."""
        figur = {f.noegletal_id: f for f in self.figurer()}
        omraader = pl.col("niveau").is_in(["region", "land"]) & pl.col("noegletal_id").is_in(list(figur))
        celler = foer.filter(omraader).join(
            kube.filter(omraader).select("periode", "omraade", "noegletal_id", "diskretioneret", "diskretion_aarsag"),
            on=["periode", "omraade", "noegletal_id"])
        region = {int(k): r for r, ks in diskretion.regioner().items() for k in ks}
        rows: dict[tuple, dict[tuple[int, str], Vaerdier]] = {}
        uden: dict[tuple, set[str]] = {}
        for x in raekker.to_dicts():
            k = x[self.kommune]
            uden.setdefault((x["periode"], k), set()).update(x.get(UDEN_DATA) or ())
            for o in (region.get(k), "Danmark"):
                rows.setdefault((x["periode"], o), {})[(k, x[self.kode])] = self.raekke(x)
        tving = []
        for (periode, omraade), part in celler.partition_by(["periode", "omraade"], as_dict=True).items():
            r = rows.get((periode, omraade), {})
            c = {x["noegletal_id"]: x["diskretion_aarsag"] if x["diskretioneret"] else self.celle(x, figur[x["noegletal_id"]])
                 for x in part.to_dicts()}
            a = {(k, y): aarsag[(periode, k, y)] for k, y in r if (periode, k, y) in aarsag}
            u = {k: uden.get((periode, k), ()) for k, _ in r}
            tving += [(periode, i, omraade) for i in self.afstem_omraade(c, r, a, u)]
        return tving

    # -- the attack on what is published -------------------------------------------------------------

    def angrib(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The attack on one period's published figures and rows (`angreb_sql`: the kommune cells of
        `figurer()` and the package's rows, withheld numbers NULL): every withheld number that a
        kommune's equations give away, (omraade, noegletal_id, kode, tal, fra, til, regel)."""
        figur = {f.noegletal_id: f for f in self.figurer()}
        celler = frame.filter(pl.col("tabel") == "noegletal").rename({"noegle": "noegletal_id"})
        raekker = frame.filter(pl.col("tabel") == self.pakke).rename({"noegle": self.kode})
        ud = []
        for (omraade,), c, r in self._per_kommune(celler, raekker, ["omraade"]):
            uden = self._uden(r)
            vist = {i: None if x["diskretioneret"] else self.celle(x, figur[i]) for i, x in c.items() if i not in uden}
            kendt, delvis = self._kendt(vist, r)
            tal = {y: kendt.get(y) or self.raekke(x) for y, x in r.items()}
            aarsag = {y: x["diskretion_aarsag"] for y, x in r.items() if x["diskretioneret"] and y not in kendt}
            for i, v in vist.items():
                f, til_stede = figur[i], figur[i].koder & r.keys()
                if len(f.koder) == 1 or not til_stede:  # no row: none to give away
                    continue
                if v is None:
                    if not til_stede & aarsag.keys():
                        ud.append((omraade, i, None, self.sum, None, None, "NOEGLETAL_ER_SUMMEN_AF_VISTE_RAEKKER"))
                    elif tvillinger := self._tvilling(f, vist):
                        ud.append((omraade, i, None, self.sum, None, None,
                                   f"NOEGLETAL_VISES_AF_{tvillinger[0].noegletal_id.upper()}"))
                    continue
                tabel = self._ligning(f, v, tal, kendt, delvis)
                for t in tabel.tal:
                    for y, (lo, hi) in diskretion.region_intervaller(tabel, i, t, aarsag).items():
                        if diskretion.er_punkt(lo, hi):
                            ud.append((omraade, i, y, t.navn, lo, hi, "RAEKKE_KAN_UDREGNES_AF_NOEGLETAL"))
        return pl.DataFrame(ud, orient="row", schema={
            "omraade": pl.String, "noegletal_id": pl.String, self.kode: pl.String, "tal": pl.String,
            "fra": pl.Float64, "til": pl.Float64, "regel": pl.String})


def _mindst(raekke: Vaerdier, t: diskretion.Tal, aarsag: str | None) -> float:
    """The least a row's number is to anyone: its value when shown; withheld, its bounds (a secondary
    row has at least five individuals)."""
    return raekke[t.navn] if aarsag is None else max(diskretion.graenser(t, aarsag)[0], 0.0)
