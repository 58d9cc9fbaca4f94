"""Voksenhandicap's measures for the key figures (`defs/noegletal/maal.py`): helårsmodtagere of the
benchmark datamart and expenses through the kontoplan bridge, each over the figure's ydelser
(its argument: codes separated by commas, `*` = every ydelse of the bridge)."""

import dagster as dg

from flis_assets import kodelister
from flis_assets.defs.noegletal import diskretion, praecision
from flis_assets.defs.noegletal.maal import Maal


def ydelser(argument: str) -> list[str]:
    """The ydelser of a figure's argument, each known to the code list (they go into SQL as text)."""
    if argument == "*":
        return sorted(set(kodelister.load("vh_kontoplan_bro")["ydelseskode"].to_list()))
    kendte = set(kodelister.load("vh_ydelser")["ydelseskode"].to_list())
    koder = [y.strip() for y in (argument or "").split(",")]
    if ukendte := [y for y in koder if y not in kendte]:
        raise ValueError(f"Voksenhandicaps nøgletal (noegletal.csv) nævner ydelser, som kodelisten ydelser ikke "
                         f"kender: {', '.join(ukendte) or '(ingen)'}; skriv ydelseskoder adskilt af komma eller *")
    return koder


def _i(argument: str) -> str:
    if argument == "*":  # read when the cube runs, as the bridge then is
        return "(SELECT DISTINCT ydelseskode FROM kodelister.vh_kontoplan_bro)"
    return "(" + ", ".join(f"'{y}'" for y in ydelser(argument)) + ")"


def _helaarsmodtagere(argument: str, fra: str, til: str) -> str:
    v = praecision.eksakt("helaarsmodtagere", praecision.DAGE_DECIMALER)
    return (f"SELECT periode, handlekommune AS kommunekode, sum({v}) AS v FROM datamart.vh_benchmark "
            f"WHERE periode BETWEEN {fra} AND {til} AND ydelseskode IN {_i(argument)} GROUP BY ALL")


def _modtagere(argument: str, fra: str, til: str) -> str:
    """The unique recipients behind the helårsmodtagere (after DST's deletions)."""
    return (f"SELECT periode, handlekommune AS kommunekode, cpr FROM harmoniseret.vh_ydelser "
            f"WHERE periode BETWEEN {fra} AND {til} AND NOT slettes_af_dst AND ydelseskode IN {_i(argument)}")


def _med_data(fra: str, til: str) -> str:
    """Every kommune with VH lines in the period, deleted or not: it delivered."""
    return f"SELECT DISTINCT periode, handlekommune AS kommunekode FROM harmoniseret.vh_ydelser WHERE periode BETWEEN {fra} AND {til}"


def _udgifter(argument: str, fra: str, til: str) -> str:
    v = praecision.eksakt("udgifter", praecision.KRONER_DECIMALER)
    return (f"SELECT periode, kommunekode, sum({v}) AS v FROM datamart.vh_udgifter "
            f"WHERE periode BETWEEN {fra} AND {til} AND ydelseskode IN {_i(argument)} GROUP BY ALL")


def maal() -> dict[str, Maal]:
    return {
        "helaarsmodtagere": Maal(
            sql=_helaarsmodtagere, individer=_modtagere, med_data=_med_data,
            kilde="helårsmodtagere fra Voksenhandicap på nøgletallets ydelser",
            kommuner=lambda fra, til: (f"SELECT periode, handlekommune AS kommunekode FROM datamart.vh_benchmark "
                                       f"WHERE periode BETWEEN {fra} AND {til}"),
            laeser=(dg.AssetKey(["datamart", "vh_benchmark"]), dg.AssetKey(["harmoniseret", "vh_ydelser"]))),
        "udgifter": Maal(
            sql=_udgifter, art=diskretion.FRI,  # refunds can make expenses negative
            kilde="udgifter fra Økonomi på nøgletallets konti",
            kommuner=lambda fra, til: (f"SELECT periode, kommunekode FROM datamart.vh_udgifter "
                                       f"WHERE periode BETWEEN {fra} AND {til}"),
            laeser=(dg.AssetKey(["datamart", "vh_udgifter"]),)),
    }
