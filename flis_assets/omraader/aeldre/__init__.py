"""Ældre (aeldre.md): home care, care homes, training and meals visited under Serviceloven, via
Danmarks Statistik. DSA by the systemskifte rules (`dsa.py`), DST's harmonisation rules
(`harmoniseret.py`), the benchmark datamart and the AED06 reconciliation (`datamart.py`,
`referencedata.py`), the key figures' measures (`maal.py`, `noegletal.csv`), the packages
(`datapakker.py`) and their hjemmehjælp rows' discretion, decided with the cube
(`benchmark_diskretion.py`), the harmonisation report (`rapporter.py`), checks (`checks.py`,
`checks_datamart.py`), generator (`generate.py`).
"""

from flis_assets.omraader import Omraade


def _assets():
    from flis_assets.omraader.aeldre import datamart, dsa, harmoniseret, rapporter, referencedata

    return [referencedata.aed06, dsa.dsa_aeldre, harmoniseret.aeldre_harmoniseret, *datamart.assets, *rapporter.assets]


def _checks():
    from flis_assets.omraader.aeldre import checks, checks_datamart

    return [*checks.checks, *checks_datamart.checks]


def _maal():
    from flis_assets.omraader.aeldre import maal

    return maal.maal()


def _pakker():
    from flis_assets.omraader.aeldre import datapakker

    return datapakker.pakker()


def _afstemninger():
    from flis_assets.omraader.aeldre import benchmark_diskretion

    return [benchmark_diskretion.BENCHMARK]


def _bestande(con) -> None:
    from flis_assets.defs.dsa import systemskifte
    from flis_assets.omraader.aeldre import dsa

    systemskifte.ensure_table(con, dsa.KILDE)


OMRAADE = Omraade(
    navn="aeldre", titel="Ældre", praefiks="aeldre",
    beskrivelse="Hjemmehjælp, plejeboliger, træning og madservice efter Serviceloven, via Danmarks Statistik.",
    assets=_assets, checks=_checks, maal=_maal, pakker=_pakker, afstemninger=_afstemninger, bestande=_bestande,
    generator="flis_assets.omraader.aeldre.generate",
)
