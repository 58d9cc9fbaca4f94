"""Borger's measure for the key figures (`defs/noegletal/maal.py`): `befolkning`, the kommune's
residents at the end of the period (CPR) in an age range, the figure's argument: `18-64`, `67-`
(67 and over), `80-`, `0-5`, or empty for every resident."""

import re

import dagster as dg

from flis_assets.defs.noegletal.maal import Maal
from flis_assets.omraader.borger.datamart import indbyggere_sql

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
    """The key figures' population: (periode, kommunekode, antal) of the residents aged
    fra_alder..til_alder in the periods fra..til, by Borger's one definition of a resident
    (`datamart.indbyggere_sql`)."""
    return indbyggere_sql(fra_alder or 0, til_alder, fra, til)


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
