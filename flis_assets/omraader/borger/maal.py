"""Borger's measure for the key figures (`defs/noegletal/maal.py`): `befolkning`, the kommune's
residents at the end of the period (CPR) in an age range, the figure's argument: `18-64`, `67-`
(67 and over), `80-`, `0-5`, or empty for every resident."""

import re

import dagster as dg

from flis_assets.defs.noegletal.maal import Maal

_ALDER = re.compile(r"(\d{1,3})-(\d{1,3})?")


def aldre(argument: str | None) -> tuple[int | None, int | None]:
    """(fra, til) of an age range, both inclusive; None where the range is open (`67-`, or empty: all)."""
    if not argument:
        return None, None
    if not (m := _ALDER.fullmatch(argument.strip())):
        raise ValueError(f"Aldersgruppen »{argument}« i et nøgletals befolkning forstås ikke: skriv fx 18-64, "
                         "67- (67 år og derover) eller lad feltet være tomt for alle indbyggere")
    fra, til = int(m[1]), None if m[2] is None else int(m[2])
    if til is not None and til < fra:
        raise ValueError(f"Aldersgruppen »{argument}« i et nøgletals befolkning slutter, før den begynder")
    return fra, til


def befolkning_sql(fra_alder: int | None, til_alder: int | None, fra: str, til: str) -> str:
    """The one place the key figures read the population: (periode, kommunekode, antal) of the
    residents aged fra_alder..til_alder in the periods fra..til.

    `datamart.befolkning` has one column per age band today (antal_18_64, antal_i_alt); when it is one
    row per (periode, kommunekode, koen, alder, antal), this becomes
    `SELECT periode, kommunekode, sum(antal) AS antal ... WHERE alder BETWEEN .. GROUP BY ALL`."""
    kolonne = {(None, None): "antal_i_alt", (18, 64): "antal_18_64"}.get((fra_alder, til_alder))
    if kolonne is None:
        raise ValueError(f"datamart.befolkning kender endnu ikke aldersgruppen {fra_alder}-{til_alder or ''}: "
                         "kun 18-64 og alle indbyggere")
    return f"SELECT periode, kommunekode, {kolonne} AS antal FROM datamart.befolkning WHERE periode BETWEEN {fra} AND {til}"


def _befolkning(argument: str, fra: str, til: str) -> str:
    return f"SELECT periode, kommunekode, antal::DECIMAL(38, 0) AS v FROM ({befolkning_sql(*aldre(argument), fra, til)})"


def _kilde(argument: str) -> str:
    fra, til = aldre(argument)
    if fra is None:
        return "indbyggere fra CPR"
    return f"{fra}-{til}-årige fra CPR" if til is not None else f"{fra}+-årige fra CPR"


def maal() -> dict[str, Maal]:
    return {
        "befolkning": Maal(
            sql=_befolkning, kilde=_kilde,
            kommuner=lambda fra, til: f"SELECT periode, kommunekode FROM datamart.befolkning WHERE periode BETWEEN {fra} AND {til}",
            laeser=(dg.AssetKey(["datamart", "befolkning"]),)),
    }
