"""Udsatte børn og unge (sources.md, koblede-noegletal.md): harmoniseret (`harmoniseret.py`), datamart (`datamart.py`),
checks (`checks.py`) and generator (`generate.py`). Its DSA stock is the platform's plain one."""

from flis_assets.omraader import Omraade


def _assets():
    from flis_assets import snitflader
    from flis_assets.defs.dsa.nyeste_bestand import nyeste_bestand_asset
    from flis_assets.omraader.udsatte import datamart, harmoniseret

    return [nyeste_bestand_asset(snitflader.kilde("udsatte")), *harmoniseret.assets, *datamart.assets]


def _checks():
    from flis_assets.omraader.udsatte import checks

    return checks.checks


def _pakker():
    from flis_assets.omraader.udsatte import datapakker

    return datapakker.pakker()


OMRAADE = Omraade(
    navn="udsatte", titel="Udsatte børn og unge", praefiks="udsatte", beskrivelse="Foranstaltninger for udsatte børn og unge efter Serviceloven.",
    assets=_assets, checks=_checks,
    pakker=_pakker,
)
