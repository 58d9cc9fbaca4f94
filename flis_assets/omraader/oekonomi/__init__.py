"""Økonomi (borger-oekonomi.md): the kommuner's accounts by the autoriserede kontoplan, the stock
replaced by booking period (`dsa.py`), the accounts across kommuner and their reconciliation with
REGK31 (`datamart.py`), the key figures' measure (`maal.py`, `noegletal.csv`), the package
`oekonomi_datamart` (`datapakker.py`), its checks (`checks.py`) and generator (`generate.py`)."""

from flis_assets.omraader import Omraade


def _assets():
    from flis_assets.omraader.oekonomi import datamart, dsa, referencedata

    return [referencedata.regk31, dsa.dsa_oekonomi, *datamart.assets]


def _checks():
    from flis_assets.omraader.oekonomi import checks

    return checks.checks


def _maal():
    from flis_assets.omraader.oekonomi import maal

    return maal.maal()


def _pakker():
    from flis_assets.omraader.oekonomi import datapakker

    return datapakker.pakker()


def _bestande(con) -> None:
    from flis_assets.omraader.oekonomi import dsa

    dsa.create_bestand(con)


OMRAADE = Omraade(
    navn="oekonomi", titel="Økonomi", praefiks="oekonomi",
    beskrivelse="Kommunernes regnskab efter den autoriserede kontoplan.",
    assets=_assets, checks=_checks, maal=_maal, pakker=_pakker, bestande=_bestande,
)
