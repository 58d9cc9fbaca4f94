"""Ældre (aeldre.md): home care, care homes, training and meals visited under Serviceloven, via
Danmarks Statistik. DSA by the systemskifte rules (`dsa.py`), DST's harmonisation rules
(`harmoniseret.py`), the harmonisation report (`rapporter.py`), checks (`checks.py`),
generator (`generate.py`).
"""

from flis_assets.omraader import Omraade


def _assets():
    from flis_assets.omraader.aeldre import dsa, harmoniseret, rapporter

    return [dsa.dsa_aeldre, harmoniseret.aeldre_harmoniseret, *rapporter.assets]


def _checks():
    from flis_assets.omraader.aeldre import checks

    return checks.checks


def _bestande(con) -> None:
    from flis_assets.defs.dsa import systemskifte
    from flis_assets.omraader.aeldre import dsa

    systemskifte.ensure_table(con, dsa.KILDE)


OMRAADE = Omraade(
    navn="aeldre", titel="Ældre", praefiks="aeldre",
    beskrivelse="Hjemmehjælp, plejeboliger, træning og madservice efter Serviceloven, via Danmarks Statistik.",
    assets=_assets, checks=_checks, bestande=_bestande, generator="flis_assets.omraader.aeldre.generate",
)
