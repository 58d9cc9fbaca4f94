"""Ældre's measures: the numerators and denominators of its key figures (noegletal.csv, aeldre.md).

A figure names a measure per side (`taeller_maal`, `naevner_maal`) and gives it an argument (the
`taeller_ydelser`, `naevner_ydelser` columns). Each measure gives, for the periods $fra..$til,

- `sql(argument)`: (periode, kommunekode, v), v an exact DECIMAL (`praecision`), so sums over
  kommuner do not depend on DuckDB's order of summation;
- `individer(argument)`, for a measure that rests on citizens: (periode, kommunekode, cpr), the
  citizens behind v. A count's v is their number, so the two never disagree.

A figure's individuals are its numerator's, or its denominator's when the numerator has none
(expenses) or is a sum over the same citizens as the denominator (the visited hours, the waiting
days of the nye beboere); a figure with neither (expenses per inhabitant) has none.

Arguments of the citizen measures are filters separated by commas: `alder=67+`, `alder=80+`,
`alder=18-64`, `indsatstype=PRAKTISK_HJAELP`, `leverandoer=PRIVAT`; empty = every citizen. Each
value is checked against its code list before it becomes part of the SQL.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from flis_assets.defs.noegletal import diskretion, praecision
from flis_assets.omraader.aeldre import datamart
from flis_assets.omraader.aeldre.datamart import GYLDIG_SIDSTE_DAG, TIMER, grundlag


@dataclass(frozen=True)
class Maal:
    sql: Callable[[str], str]
    individer: Callable[[str], str] | None  # None: the measure rests on no citizens
    kilde: str  # where the measure comes from, as an analyst names it ("mangler data")
    art: str = diskretion.IKKE_NEGATIV  # what an attacker knows of its range


class MaalFejl(ValueError):
    pass


ALDER = re.compile(r"^(\d+)(?:\+|-(\d+))$")


def aldersinterval(vaerdi: str) -> tuple[int, int | None]:
    """`67+` -> (67, None), `18-64` -> (18, 64)."""
    found = ALDER.match(vaerdi)
    if not found:
        raise MaalFejl(f"Aldersgruppen '{vaerdi}' skal skrives som 67+ eller 18-64 (noegletal.csv).")
    fra, til = int(found[1]), int(found[2]) if found[2] else None
    if til is not None and til < fra:
        raise MaalFejl(f"Aldersgruppen '{vaerdi}' slutter før den begynder (noegletal.csv).")
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
    for filter_ in (f.strip() for f in argument.split(",") if f.strip()):
        navn, lig, vaerdi = filter_.partition("=")
        if not lig or navn.strip() not in tilladte:
            raise MaalFejl(f"Argumentet '{argument}' (noegletal.csv): '{filter_}' er ikke et af filtrene "
                           f"{', '.join(f'{t}=...' for t in tilladte)}.")
        dele.append(f"({FILTRE[navn.strip()](vaerdi.strip())})")
    return " AND ".join(dele) or "true"


def _antal(personer: str) -> str:
    return f"SELECT periode, kommunekode, count(DISTINCT cpr)::DECIMAL(38, 0) AS v FROM ({personer}) GROUP BY ALL"


def _personmaal(personer: Callable[[str], str], kilde: str) -> Maal:
    return Maal(sql=lambda argument: _antal(personer(argument)), individer=personer, kilde=kilde)


def hjemmehjaelp_modtagere(argument: str) -> str:
    """Citizens with hjemmehjælp on the period's last day, outside a care-home stay."""
    return grundlag() + f"""
SELECT DISTINCT periode, kommunekode, cpr FROM hjemmehjaelp WHERE paa_sidste_dag AND {betingelse(argument)}"""


def visiterede_timer(argument: str) -> str:
    """Σ timer_pr_uge of the hjemmehjælp lines on the last day outside a care-home stay; with the
    argument `perioden`, the hours of the whole period (× the period's days ÷ 7)."""
    if argument not in ("", "perioden"):
        raise MaalFejl(f"aeldre_visiterede_timer tager intet argument eller 'perioden', ikke '{argument}' (noegletal.csv).")
    uge = f"sum({TIMER})"
    v = uge if not argument else praecision.eksakt(
        f"{uge}::DOUBLE * (date_diff('day', periode, last_day(periode)) + 1) / 7", praecision.DAGE_DECIMALER)
    return grundlag() + f"""
SELECT periode, kommunekode, {v} AS v FROM hjemmehjaelp WHERE paa_sidste_dag GROUP BY periode, kommunekode"""


def visiterede_timer_individer(argument: str) -> str:
    return hjemmehjaelp_modtagere("")


def plejebolig_beboere(argument: str) -> str:
    """Citizens living in a care home (PLEJEBOLIG, PLEJEHJEM) on the period's last day."""
    return grundlag() + f"""
SELECT DISTINCT periode, kommunekode, cpr FROM l WHERE plejebolig AND {GYLDIG_SIDSTE_DAG} AND {betingelse(argument, ("alder",))}"""


def _nye_beboere() -> str:
    """Per citizen who moved into a care home in the period, the first such line's waiting."""
    return grundlag() + """,
nye AS (
    SELECT periode, kommunekode, cpr, arg_min(ventedage, startdato) AS ventedage,
        arg_min(over_garanti, startdato) AS over_garanti
    FROM l WHERE plejebolig AND startdato BETWEEN periode AND sidste_dag GROUP BY ALL
)"""


def nye_beboere(argument: str) -> str:
    """Nye beboere: citizens whose care-home startdato lies in the period; with the argument
    `inden_for_garanti` those who moved in within the plejeboliggaranti (not over_garanti)."""
    vilkaar = {"": "true", "inden_for_garanti": "NOT over_garanti"}
    if argument not in vilkaar:
        raise MaalFejl(f"aeldre_nye_beboere tager intet argument eller 'inden_for_garanti', ikke '{argument}' (noegletal.csv).")
    return _nye_beboere() + f"\nSELECT periode, kommunekode, cpr FROM nye WHERE {vilkaar[argument]}"


def ventedage(argument: str) -> str:
    """Σ ventedage of the nye beboere (days from visitation to moving in)."""
    return _nye_beboere() + "\nSELECT periode, kommunekode, sum(ventedage)::DECIMAL(38, 0) AS v FROM nye GROUP BY ALL"


KONTO = re.compile(r"^(\d)\.(\d{2})(?:\.(\d{2}))?$")


def udgifter_sql(konto: str) -> str:
    """Økonomi's nettodriftsudgifter on a hovedfunktion (`5.30`) or funktion (`5.30.26`): drift
    (dranst 1), hovedart not 0 (calculated costs), incomes with their sign; the accounts as known
    now. The one place Ældre reads the accounts: switch it to Økonomi's fragment when there is one."""
    found = KONTO.match(konto)
    if not found:
        raise MaalFejl(f"Kontoen '{konto}' skal skrives som 5.30 eller 5.30.26 (noegletal.csv).")
    hovedkonto, hovedfunktion, funktion = found.groups()
    paa_funktion = f" AND funktion::INTEGER = {int(funktion)}" if funktion else ""
    return f"""SELECT periode, kommunekode, sum(beloeb)::DECIMAL(38, {praecision.KRONER_DECIMALER}) AS v
FROM dsa.oekonomi_bestand(DATE '9999-12-31')
WHERE periode BETWEEN $fra AND $til AND dranst = '1' AND hovedart <> '0'
  AND hovedkonto::INTEGER = {int(hovedkonto)} AND hovedfunktion::INTEGER = {int(hovedfunktion)}{paa_funktion}
GROUP BY ALL"""


def indbyggere_sql(fra_alder: int, til_alder: int | None = None) -> str:
    """Residents aged fra_alder..til_alder (None: no upper bound) at the end of each period, per
    kommune: the CPR register as known after the period's load month (a record holds from its load
    month until the person's next), the dead leaving at their death by the newest knowledge, as
    Voksenhandicap's datamart.befolkning counts its 18-64-årige. Borger's datamart.befolkning will
    give these once it has age and sex; until then this is Ældre's own count."""
    yngst = f" AND r.foedselsdato > m.slut - INTERVAL {int(til_alder) + 1} YEAR" if til_alder is not None else ""
    return f"""
WITH rec AS (
    SELECT foedselsdato, bopaelskommune AS kommunekode, indlaesningsmaaned AS gyldig_fra,
        coalesce(lead(indlaesningsmaaned) OVER per_person, DATE '9999-12-31') AS gyldig_til,
        last_value(doedsdato) OVER (per_person ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS doedsdato
    FROM dsa.cpr
    WINDOW per_person AS (PARTITION BY cpr ORDER BY indlaesningsmaaned)
),
m AS (SELECT periode, last_day(periode) AS slut FROM ({datamart.MAANEDER}))
SELECT m.periode, r.kommunekode, count(*)::DECIMAL(38, 0) AS v
FROM m JOIN rec r ON r.gyldig_fra <= m.periode AND m.periode < r.gyldig_til
WHERE r.kommunekode IN (SELECT kommunekode FROM kodelister.kommuner)
  AND r.foedselsdato <= m.slut - INTERVAL {int(fra_alder)} YEAR{yngst}
  AND (r.doedsdato IS NULL OR r.doedsdato > m.slut)
GROUP BY ALL"""


def indbyggere(argument: str) -> str:
    return indbyggere_sql(*aldersinterval(argument))


MAAL: dict[str, Maal] = {
    "aeldre_hjemmehjaelp_modtagere": _personmaal(
        hjemmehjaelp_modtagere, "modtagere af hjemmehjælp på periodens sidste dag fra Ældre"),
    "aeldre_visiterede_timer": Maal(visiterede_timer, visiterede_timer_individer,
                                    "visiterede timer til hjemmehjælp på periodens sidste dag fra Ældre"),
    "aeldre_plejebolig_beboere": _personmaal(plejebolig_beboere, "beboere i plejebolig og plejehjem fra Ældre"),
    "aeldre_nye_beboere": _personmaal(nye_beboere, "nye beboere i plejebolig og plejehjem fra Ældre"),
    "aeldre_ventedage": Maal(ventedage, lambda argument: nye_beboere(""), "nye beboeres ventedage fra Ældre"),
    "aeldre_udgifter": Maal(udgifter_sql, None, "udgifter fra Økonomi på nøgletallets funktion", diskretion.FRI),
    "aeldre_indbyggere": Maal(indbyggere, None, "indbyggere i aldersgruppen fra CPR"),
}


def maal() -> dict[str, Maal]:
    """The area's measures by name (`Omraade.maal`)."""
    return MAAL
