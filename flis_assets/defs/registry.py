"""Every asset and check of the project, layer by layer (definitions.py stays thin)."""

import dagster as dg


def assets() -> list[dg.AssetsDefinition]:
    from flis_assets.defs.dsa import aendrede_perioder, borger, nyeste_bestand, oekonomi, voksenhandicap
    from flis_assets.defs.raadata import assets as raadata
    from flis_assets.defs.referencedata import assets as referencedata

    return [
        *referencedata.assets,
        *raadata.assets,
        voksenhandicap.dsa_vh,
        borger.dsa_cpr,
        oekonomi.dsa_oekonomi,
        *nyeste_bestand.assets,
        aendrede_perioder.aendrede_perioder,
    ]


def checks() -> list[dg.AssetChecksDefinition]:
    from flis_assets.defs.dsa import checks as dsa
    from flis_assets.defs.raadata import checks as raadata

    return [*raadata.checks, *dsa.checks]
