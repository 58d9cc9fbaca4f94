"""Skole (sources.md, koblede-noegletal.md): harmoniseret (`harmoniseret.py`), datamart (`datamart.py`),
checks (`checks.py`) and generator (`generate.py`). Its DSA stock is the platform's plain one."""

from flis_assets.omraader import Omraade


def _assets():
    from flis_assets import snitflader
    from flis_assets.defs.dsa.nyeste_bestand import nyeste_bestand_asset
    from flis_assets.omraader.skole import datamart, harmoniseret

    return [nyeste_bestand_asset(snitflader.kilde("skole")), *harmoniseret.assets, *datamart.assets]


def _checks():
    from flis_assets.omraader.skole import checks

    return checks.checks


def _pakker():
    from flis_assets.omraader.skole import datapakker

    return datapakker.pakker()


OMRAADE = Omraade(
    navn="skole", titel="Skole", praefiks="skole", beskrivelse="Elever i folkeskolen: klassetrin, undervisningstilbud og fravær.",
    assets=_assets, checks=_checks,
    pakker=_pakker,
)
