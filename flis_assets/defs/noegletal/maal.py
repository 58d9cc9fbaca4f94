"""The measures (mål) of the key figures, as the data areas offer them, and the figure catalogue.

A central key figure is a row of an area's `flis_assets/omraader/<navn>/noegletal.csv` (`;`, UTF-8;
every area's rows together are `kodelister.load("noegletal")` and the table `kodelister.noegletal`,
with the area in `dataomraade`):

- `noegletal_id` (a-z, 0-9, _; unique over every area), `navn` (as shown to people);
- `taeller_maal`, `taeller_argument`, `naevner_maal`, `naevner_argument`: each side is a measure
  of any area, by name, with the argument it understands (VH's: ydelser `1.8.1,1.8.2` or `*`;
  Borger's `befolkning`: an age range `18-64`, `67-`, or empty for all residents);
- `faktor` (applies to `vaerdi` only: vaerdi = faktor × taeller ÷ naevner), `diskretion` (true:
  withheld under five individuals, and secondary suppression; false: always shown);
- `individer`: `taeller` or `naevner`, the side whose measure's people (`Maal.individer`) are the
  figure's individuals; empty for a figure without individuals;
- `henviser_til`: the id of another area's figure this one is the same number as: the row then
  gives only `noegletal_id` and `navn` and takes the rest from there (one definition, and the cube
  gives the same values under both ids);
- `kun_kommuner_med_begge`: true when a region and Danmark sum only the kommuner that have both a
  numerator and a denominator (not with discretion); otherwise each side over every kommune.

A region or the country is Σ numerators ÷ Σ denominators. The platform names no measure: every
area offers its own through `Omraade.maal`, a callable returning {name: Maal}; names are global
(two areas offering the same name is an error).

A measure's SQL takes the figure's argument and the SQL of the first and last period (the
parameters `$fra`/`$til` in the cube, `$maaned` in the checks):

- `sql(argument, fra, til)`: one row per (periode, kommunekode) with `v`, an exact DECIMAL
  (`praecision.eksakt`), so sums do not depend on DuckDB's order of summation;
- `individer(argument, fra, til)`: when the measure counts people, those people
  (periode, kommunekode, cpr): a figure's individuals are the people of the side its catalogue
  row names (`individer` = taeller or naevner);
- `kommuner(fra, til)`: every (periode, kommunekode) the measure's source has, whatever the
  argument: the cube has a cell for every kommune of any measure's data, so an absent cell never
  says "zero";
- `med_data(fra, til)`: for a measure counting people, the (periode, kommunekode) that delivered
  its source at all: anyone knows the others' cells are empty (who delivers is public), so their
  withheld cells cover no neighbour.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol

import re

import dagster as dg
import polars as pl

from flis_assets import kodelister, omraader
from flis_assets.defs.noegletal import diskretion

SIDER = ("taeller", "naevner")
_ID = re.compile(r"[a-z0-9_]+")  # ids go into the cube's SQL as text: nothing else may pass
_GLEMMES: list = []  # the caches of what is learnt from the areas (`nulstil`)


def glemmes(f):
    """A cached function of the areas' measures or catalogues, forgotten by `nulstil`."""
    _GLEMMES.append(f)
    return f


@dataclass(frozen=True)
class Maal:
    """One measure an area offers to the key figures (see the module's docstring for the SQL)."""

    sql: Callable[[str, str, str], str]  # (argument, fra, til) -> periode, kommunekode, v (DECIMAL)
    kilde: str | Callable[[str], str]  # what is missing, as an analyst names it (of the argument)
    kommuner: Callable[[str, str], str]  # (fra, til) -> periode, kommunekode of the source's data
    laeser: tuple[dg.AssetKey, ...]  # the assets its SQL reads: the cube's deps
    art: str = diskretion.IKKE_NEGATIV  # diskretion.FRI for amounts that can be negative (refunds)
    individer: Callable[[str, str, str], str] | None = None  # (argument, fra, til) -> periode, kommunekode, cpr
    med_data: Callable[[str, str], str] | None = None  # (fra, til) -> periode, kommunekode that delivered
    # the number is zero in a cell without the figure's individuals (default: when it counts people)
    nul_uden_individer: bool | None = None

    def __post_init__(self):
        if self.individer is not None and self.med_data is None:
            raise ValueError("Et mål, der tæller personer (individer), skal også sige, hvilke kommuner der har "
                             "leveret data (med_data): ellers ved diskretionen ikke, hvilke celler alle ved er tomme")

    def kildetekst(self, argument: str | None) -> str:
        return self.kilde(argument or "") if callable(self.kilde) else self.kilde

    @property
    def nul_uden(self) -> bool:
        return self.individer is not None if self.nul_uden_individer is None else self.nul_uden_individer


@glemmes
@cache
def alle() -> dict[str, Maal]:
    """Every area's measures by name; a name offered twice is an error (names are global)."""
    ud: dict[str, Maal] = {}
    fra: dict[str, str] = {}
    for o in omraader.omraader():
        for navn, m in o.maal().items():
            if not isinstance(m, Maal):
                raise TypeError(f"Dataområdet {o.navn} tilbyder målet {navn}, som ikke er et Maal")
            if navn in ud:
                raise ValueError(f"Målet {navn} tilbydes af både dataområdet {fra[navn]} og {o.navn}: "
                                 "målenes navne er fælles for alle områder og må kun bruges ét sted")
            ud[navn], fra[navn] = m, o.navn
    return ud


@glemmes
@cache
def figurer() -> tuple[dict, ...]:
    """Every central key figure of every area (`noegletal.csv`), checked against the measures."""
    rows = tuple(kodelister.load("noegletal").iter_rows(named=True))
    maal = alle()
    for f in rows:
        hvor = f"nøgletallet {f['noegletal_id']} (flis_assets/omraader/{f['dataomraade']}/noegletal.csv)"
        if not _ID.fullmatch(f["noegletal_id"]):
            raise ValueError(f"{hvor}: noegletal_id må kun have små bogstaver a-z, cifre og _")
        for side in SIDER:
            if f[f"{side}_maal"] not in maal:
                raise ValueError(f"{hvor}: {side}_maal {f[f'{side}_maal']} er intet dataområdes mål; kendte mål: "
                                 f"{', '.join(sorted(maal))}")
        if (side := f["individer"]) is not None:
            if side not in SIDER:
                raise ValueError(f"{hvor}: individer skal være taeller, naevner eller tom, ikke {side}")
            if maal[f[f"{side}_maal"]].individer is None:
                raise ValueError(f"{hvor}: individerne skal være {side}ens, men målet {f[f'{side}_maal']} "
                                 "tæller ingen personer")
        if f.get("kun_kommuner_med_begge") and f["diskretion"]:
            raise ValueError(f"{hvor}: kun_kommuner_med_begge kan ikke bruges med diskretion: en region, der ikke er "
                             "summen af sine kommuner, passer ikke i diskretionens ligninger")
    return rows


def side(f: Mapping, navn: str) -> Maal:
    """The measure of one side (taeller or naevner) of a figure."""
    return alle()[f[f"{navn}_maal"]]


def brugte() -> dict[str, Maal]:
    """The measures some figure uses, by name."""
    return {f[f"{s}_maal"]: alle()[f[f"{s}_maal"]] for f in figurer() for s in SIDER}


def kommuner_sql(fra: str = "$fra", til: str = "$til") -> str:
    """(periode, kommunekode) of every kommune with data for some figure's measure in the periods."""
    dele = dict.fromkeys(m.kommuner(fra, til) for m in brugte().values())
    return (" UNION ".join(f"SELECT periode, kommunekode FROM ({d})" for d in dele)
            or "SELECT NULL::DATE AS periode, NULL::INTEGER AS kommunekode WHERE false")


def laeser() -> list[dg.AssetKey]:
    """The assets every figure's measures read."""
    return list(dict.fromkeys(k for m in brugte().values() for k in m.laeser))


def med_individer() -> dict[str, Maal]:
    """noegletal_id -> the measure whose people are the figure's individuals (figures that have them)."""
    return {f["noegletal_id"]: side(f, f["individer"]) for f in figurer() if f["individer"]}


def kendte_tomme_sql(fra: str = "$fra", til: str = "$til") -> str:
    """(noegletal_id, periode, omraade) of every figure with individuals and every kommune, region
    and Danmark whose measure's source has data in the periods: the rest are known to be empty."""
    grupper: dict[str, list[str]] = {}  # one scan per source, whatever the number of figures on it
    for i, m in med_individer().items():
        grupper.setdefault(m.med_data(fra, til), []).append(i)
    dele = [f"""SELECT f.noegletal_id, m.periode, m.omraade FROM (
            SELECT DISTINCT d.periode, unnest([lpad(d.kommunekode::VARCHAR, 3, '0'), km.region, 'Danmark']) AS omraade
            FROM ({sql}) d JOIN kodelister.kommuner km USING (kommunekode)) m
        CROSS JOIN (SELECT unnest({sorted(ids)}::VARCHAR[]) AS noegletal_id) f""" for sql, ids in grupper.items()]
    return " UNION ALL ".join(dele) or "SELECT NULL::VARCHAR AS noegletal_id, NULL::DATE AS periode, NULL::VARCHAR AS omraade WHERE false"


class Afstemning(Protocol):
    """A table an area publishes beside the cube whose rows some figures sum (Voksenhandicap's
    benchmark rows): its discretion is decided with the cube's, round by round (`kube.cube`), and
    written by the cube's asset to `TABEL` per period. An area offers it through
    `Omraade.afstemninger` (a module with these names will do)."""

    TABEL: str  # noegletal.<navn>
    DDL: str  # CREATE TABLE IF NOT EXISTS of TABEL (a `periode` column)
    BESKRIVELSE: str  # of the asset, for people
    LAESER: Sequence[dg.AssetKey]  # what RAEKKER_SQL reads
    RAEKKER_SQL: str  # the rows as published for the periods $fra..$til

    def nedre_graenser(self, kube: pl.DataFrame) -> dict[tuple, dict[tuple[str, str], float]]:
        """(periode, noegletal_id) -> (omraade, number) -> the least a withheld number is, given what
        the cube after discretion (`kube`) and the table publish."""

    def afstem_alle(self, foer: pl.DataFrame, kube: pl.DataFrame, raekker: pl.DataFrame
                    ) -> tuple[pl.DataFrame, list[tuple]]:
        """The table's withheld rows (TABEL's columns) and the cube's cells to withhold for them,
        (periode, noegletal_id, omraade), from the cells before (`foer`) and after discretion."""


@glemmes
@cache
def afstemninger() -> tuple[Afstemning, ...]:
    """Every area's tables decided with the cube."""
    return tuple(a for o in omraader.omraader() for a in o.afstemninger())


def nulstil() -> None:
    """Forget the measures and catalogues read (after an area was added, as the tests do)."""
    for f in (*_GLEMMES, kodelister.load):
        f.cache_clear()
