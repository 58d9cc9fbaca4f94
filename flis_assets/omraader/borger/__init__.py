"""Borger (borger-oekonomi.md): the CPR register as known after each load month (`dsa.py`), the
population, its movements and the FOLK1A reconciliation (`datamart.py`), the package
`borger_datamart` (`datapakker.py`), its checks (`checks.py`)
and the synthetic population (`generate.py`)."""

from flis_assets.omraader import Omraade


def _assets():
    from flis_assets.omraader.borger import datamart, dsa, referencedata

    return [referencedata.folk1a, dsa.dsa_cpr, *datamart.assets()]


def _checks():
    from flis_assets.omraader.borger import checks

    return checks.checks


def _bestande(con) -> None:
    from flis_assets.omraader.borger import dsa

    dsa.create_register(con)


def _maal():
    from flis_assets.omraader.borger import maal

    return maal.maal()


def _pakker():
    from flis_assets.omraader.borger import datapakker

    return datapakker.pakker()


OMRAADE = Omraade(
    navn="borger", titel="Borger", praefiks="borger",
    beskrivelse="CPR-registeret: indbyggere, alder, køn, flytninger og dødsfald.",
    assets=_assets, checks=_checks, maal=_maal, pakker=_pakker, bestande=_bestande,
)
