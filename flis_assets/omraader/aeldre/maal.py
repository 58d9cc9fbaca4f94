"""Ældre's measures: the numerators and denominators of its key figures (noegletal.csv, aeldre.md).

A figure names a measure per side (`taeller_maal`, `naevner_maal`) with an argument
(`taeller_argument`, `naevner_argument`), as the cube's `defs/noegletal/maal.py` reads them. Each
measure gives, for the periods fra..til (SQL expressions: `$fra`/`$til` in the cube),

- `sql(argument, fra, til)`: (periode, kommunekode, v), v an exact DECIMAL (`praecision`), so sums
  over kommuner do not depend on DuckDB's order of summation;
- `individer(argument, fra, til)`, for a measure resting on citizens: (periode, kommunekode, cpr),
  the citizens behind v. A count's v is their number, so the two never disagree;
- `kommuner(fra, til)` / `med_data(fra, til)`: the kommuner whose source has data in the period.

A figure's individuals are the citizens its numerator counts (`individer` = taeller); where the
numerator is a sum (the visited hours, the waiting days) or an amount, the denominator's citizens
(`individer` = naevner); expenses per inhabitant have none.

Arguments of the citizen measures are filters separated by commas: `alder=67-` (67 and over),
`alder=18-64`, `indsatstype=PRAKTISK_HJAELP`, `leverandoer=PRIVAT`; empty = every citizen. Each
value is checked against its code list before it becomes part of the SQL. The age ranges are
written as Borger's `befolkning` writes them.

One place for each fact: "indbyggere" are Borger's `befolkning` (datamart.befolkning) and expenses
Økonomi's `nettodriftsudgifter` (5.30, 5.30.26); noegletal.csv names those measures directly.
"""

import re
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path

import polars as pl

from flis_assets.defs.noegletal import praecision
from flis_assets.omraader.aeldre import datamart
from flis_assets.omraader.aeldre.datamart import GYLDIG_SIDSTE_DAG, HARMONISERET, TIMER, grundlag, hjemmehjaelp, kommuner_sql


class MaalFejl(ValueError):
    pass


ALDER = re.compile(r"^(\d{1,3})-(\d{1,3})?$")


def aldersinterval(vaerdi: str) -> tuple[int, int | None]:
    """`67-` -> (67, None) (67 and over), `18-64` -> (18, 64), both inclusive."""
    found = ALDER.match(vaerdi.strip())
    if not found:
        raise MaalFejl(f"Aldersgruppen '{vaerdi}' skal skrives som 67- (67 år og derover) eller 18-64 (noegletal.csv).")
    fra, til = int(found[1]), int(found[2]) if found[2] else None
    if til is not None and til < fra:
        raise MaalFejl(f"Aldersgruppen '{vaerdi}' slutter, før den begynder (noegletal.csv).")
    return fra, til


def _alder(vaerdi: str) -> str:
    fra, til = aldersinterval(vaerdi)
    return f"alder >= {fra}" + (f" AND alder <= {til}" if til is not None else "")


def _kode(felt: str, tilladte: Callable[[], list[str]]) -> Callable[[str], str]:
    def betingelse(vaerdi: str) -> str:
        if vaerdi not in tilladte():
            raise MaalFejl(f"{felt}={vaerdi} er ikke en gyldig værdi (noegletal.csv); gyldige: {', '.join(tilladte())}.")
        return f"{felt} = '{vaerdi}'"  # one of the code list's values, checked above
    return betingelse


@cache
def _leverandoerer() -> list[str]:
    """The providers the interface allows (felttyper.csv, aeldre_leverandoer: ^(KOMMUNAL|PRIVAT)$)."""
    felttyper = pl.read_csv(Path(__file__).parent / "felttyper.csv", separator=";", infer_schema=False)
    regex = felttyper.filter(pl.col("felttype") == "aeldre_leverandoer")["regex"][0]
    return re.fullmatch(r"\^\((.*)\)\$", regex)[1].split("|")


FILTRE: dict[str, Callable[[str], str]] = {
    "alder": _alder,
    "indsatstype": _kode("indsatstype", lambda: datamart.indsatstyper()["indsatstype"].to_list()),
    "leverandoer": _kode("leverandoer", _leverandoerer),
}


def betingelse(argument: str, tilladte: tuple[str, ...] = tuple(FILTRE)) -> str:
    """The SQL condition of a measure's argument (filters separated by commas)."""
    dele = []
    for filter_ in (f.strip() for f in (argument or "").split(",") if f.strip()):
        navn, lig, vaerdi = filter_.partition("=")
        if not lig or navn.strip() not in tilladte:
            raise MaalFejl(f"Argumentet '{argument}' (noegletal.csv): '{filter_}' er ikke et af filtrene "
                           f"{', '.join(f'{t}=...' for t in tilladte)}.")
        dele.append(f"({FILTRE[navn.strip()](vaerdi.strip())})")
    return " AND ".join(dele) or "true"


def _ingen_argument(navn: str, argument: str, tilladte: tuple[str, ...] = ("",)) -> str:
    if (argument or "") not in tilladte:
        andre = " eller ".join(f"'{t}'" for t in tilladte if t)
        raise MaalFejl(f"{navn} tager intet argument{' eller ' + andre if andre else ''}, ikke '{argument}' "
                       "(noegletal.csv).")
    return argument or ""


def _antal(personer: str) -> str:
    return f"SELECT periode, kommunekode, count(DISTINCT cpr)::DECIMAL(38, 0) AS v FROM ({personer}) GROUP BY ALL"


def hjemmehjaelp_modtagere(argument: str, fra: str = "$fra", til: str = "$til") -> str:
    """Citizens with hjemmehjælp on the period's last day, outside a care-home stay."""
    return hjemmehjaelp(fra, til) + f"""
SELECT DISTINCT periode, kommunekode, cpr FROM hjemmehjaelp WHERE paa_sidste_dag AND {betingelse(argument)}"""


def visiterede_timer(argument: str, fra: str = "$fra", til: str = "$til") -> str:
    """Σ timer_pr_uge of the hjemmehjælp lines on the last day outside a care-home stay; with the
    argument `perioden`, the hours of the whole period (× the period's days ÷ 7)."""
    uge = f"sum({TIMER})"
    v = uge if not _ingen_argument("aeldre_visiterede_timer", argument, ("", "perioden")) else praecision.eksakt(
        f"{uge}::DOUBLE * (date_diff('day', periode, last_day(periode)) + 1) / 7", praecision.DAGE_DECIMALER)
    return hjemmehjaelp(fra, til) + f"""
SELECT periode, kommunekode, {v} AS v FROM hjemmehjaelp WHERE paa_sidste_dag GROUP BY periode, kommunekode"""


def visiterede_timer_individer(argument: str, fra: str = "$fra", til: str = "$til") -> str:
    """The citizens whose hours are summed: every hjemmehjælp recipient on the last day."""
    _ingen_argument("aeldre_visiterede_timer", argument, ("", "perioden"))
    return hjemmehjaelp_modtagere("", fra, til)


def plejebolig_beboere(argument: str, fra: str = "$fra", til: str = "$til") -> str:
    """Citizens living in a care home (PLEJEBOLIG, PLEJEHJEM) on the period's last day."""
    return grundlag(fra, til) + f"""
SELECT DISTINCT periode, kommunekode, cpr FROM l
WHERE plejebolig AND {GYLDIG_SIDSTE_DAG} AND {betingelse(argument, ("alder",))}"""


def _nye_beboere(fra: str, til: str) -> str:
    """Per citizen who moved into a care home in the period, the first such line's waiting."""
    return grundlag(fra, til) + """,
nye AS (
    SELECT periode, kommunekode, cpr, arg_min(ventedage, startdato) AS ventedage,
        arg_min(over_garanti, startdato) AS over_garanti
    FROM l WHERE plejebolig AND startdato BETWEEN periode AND sidste_dag GROUP BY ALL
)"""


NYE_VILKAAR = {"": "true", "inden_for_garanti": "NOT over_garanti"}


def nye_beboere(argument: str, fra: str = "$fra", til: str = "$til") -> str:
    """Nye beboere: citizens whose care-home startdato lies in the period; with the argument
    `inden_for_garanti` those who moved in within the plejeboliggaranti (not over_garanti)."""
    vilkaar = NYE_VILKAAR[_ingen_argument("aeldre_nye_beboere", argument, tuple(NYE_VILKAAR))]
    return _nye_beboere(fra, til) + f"\nSELECT periode, kommunekode, cpr FROM nye WHERE {vilkaar}"


def ventedage(argument: str, fra: str = "$fra", til: str = "$til") -> str:
    """Σ ventedage of the nye beboere (days from visitation to moving in)."""
    _ingen_argument("aeldre_ventedage", argument)
    return _nye_beboere(fra, til) + "\nSELECT periode, kommunekode, sum(ventedage)::DECIMAL(38, 0) AS v FROM nye GROUP BY ALL"


def _aeldre(sql: Callable[[str, str, str], str], kilde: str,
            individer: Callable[[str, str, str], str] | None = None) -> dict:
    """A measure over Ældre's harmonised lines: its kommuner are those that delivered Ældre lines."""
    return dict(sql=sql, kilde=kilde, individer=individer, laeser=(HARMONISERET,), kommuner=kommuner_sql,
                med_data=kommuner_sql if individer else None)


def _antal_af(personer: Callable[[str, str, str], str]) -> Callable[[str, str, str], str]:
    return lambda argument, fra, til: _antal(personer(argument, fra, til))


# Each measure as the cube's `Maal` takes it (keyword arguments), by name.
MAAL: dict[str, dict] = {
    "aeldre_hjemmehjaelp_modtagere": _aeldre(_antal_af(hjemmehjaelp_modtagere),
                                             "modtagere af hjemmehjælp på periodens sidste dag fra Ældre",
                                             hjemmehjaelp_modtagere),
    "aeldre_visiterede_timer": _aeldre(visiterede_timer, "visiterede timer til hjemmehjælp på periodens sidste "
                                       "dag fra Ældre", visiterede_timer_individer),
    "aeldre_plejebolig_beboere": _aeldre(_antal_af(plejebolig_beboere), "beboere i plejebolig og plejehjem på "
                                         "periodens sidste dag fra Ældre", plejebolig_beboere),
    "aeldre_nye_beboere": _aeldre(_antal_af(nye_beboere), "nye beboere i plejebolig og plejehjem fra Ældre",
                                  nye_beboere),
    "aeldre_ventedage": _aeldre(ventedage, "nye beboeres ventedage fra Ældre"),
}


def kun_hvor_begge(m, andet, kilde):
    """`m` only in the (periode, kommunekode) where `andet`'s source has data too, for a figure whose
    two sides come from two areas: a kommune lacking either side then has neither, so a region's
    and Danmark's sums are the sums of their kommuner's cells, as discretion's equations need (the
    catalogue's `kun_kommuner_med_begge` cannot be used with discretion)."""
    def begrens(sql):
        return sql and (lambda *a: (f"SELECT s.* FROM ({sql(*a)}) s SEMI JOIN ({andet.kommuner(a[-2], a[-1])}) b "
                                    "USING (periode, kommunekode)"))

    return replace(m, sql=begrens(m.sql), individer=begrens(m.individer), med_data=begrens(m.med_data), kilde=kilde,
                   laeser=tuple(dict.fromkeys((*m.laeser, *andet.laeser))))


def maal() -> dict:
    """The area's measures by name (`Omraade.maal`) as the cube's `Maal`, and the two sides of
    aeldre_udgift_pr_visiteret_time: Økonomi's nettodriftsudgifter (the accounts are read in one
    place) and the visited hours, each only where the other has data (`kun_hvor_begge`)."""
    from flis_assets.defs.noegletal.maal import Maal  # the cube's (defs/noegletal/maal.py)
    from flis_assets.omraader.oekonomi import maal as oekonomi

    egne = {navn: Maal(**felter) for navn, felter in MAAL.items()}
    udgifter, timer = oekonomi.maal()["nettodriftsudgifter"], egne["aeldre_visiterede_timer"]
    return {**egne,
            "aeldre_nettodriftsudgifter": kun_hvor_begge(udgifter, timer, lambda konto: (
                f"nettodriftsudgifter fra Økonomi på {konto} i kommuner med data fra Ældre")),
            "aeldre_visiterede_timer_med_regnskab": kun_hvor_begge(timer, udgifter, (
                "visiterede timer til hjemmehjælp fra Ældre i kommuner med regnskab fra Økonomi"))}
