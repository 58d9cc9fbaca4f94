"""Voksenhandicap (voksenhandicap.md): ydelser to adults with disabilities under Serviceloven, via
Danmarks Statistik. DSA by the systemskifte rules (`dsa.py`), DST's harmonisation rules
(`harmoniseret.py`), the benchmark datamart, expenses through the kontoplan bridge and HAND07
(`datamart.py`), the harmonisation report (`rapporter.py`), checks (`checks.py`), generator
(`generate.py`), DST's approval lists and HAND07 (`referencedata.py`).
"""

from flis_assets.omraader import Omraade


def _assets():
    from flis_assets.omraader.voksenhandicap import datamart, dsa, harmoniseret, rapporter, referencedata

    return [referencedata.godkendte_kommuner, referencedata.hand07, dsa.dsa_vh, harmoniseret.vh_harmoniseret,
            datamart.vh_datamart, *rapporter.assets]


def _checks():
    from flis_assets.omraader.voksenhandicap import checks

    return checks.checks


def _bestande(con) -> None:
    from flis_assets.defs.dsa import common
    from flis_assets.omraader.voksenhandicap import dsa

    common.ensure_raadata(con, dsa.KILDE)
    common.create_table(con, dsa.KILDE, dsa.EXTRA_DDL)


def _pakker():
    from flis_assets.omraader.voksenhandicap import datapakker

    return datapakker.pakker()


def _maal():
    from flis_assets.omraader.voksenhandicap import maal

    return maal.maal()


def _afstemninger():
    from flis_assets.omraader.voksenhandicap import benchmark_diskretion

    return [benchmark_diskretion]


OMRAADE = Omraade(
    navn="voksenhandicap", titel="Voksenhandicap", praefiks="vh",
    beskrivelse="Ydelser til voksne med handicap efter Serviceloven, via Danmarks Statistik.",
    assets=_assets, checks=_checks, bestande=_bestande,
    pakker=_pakker, maal=_maal, afstemninger=_afstemninger,
)
