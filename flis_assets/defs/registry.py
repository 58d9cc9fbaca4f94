"""Every asset and check of the project, layer by layer (definitions.py stays thin)."""

import dagster as dg

from flis_assets import partitions


def assets() -> list[dg.AssetsDefinition]:
    from flis_assets.defs.dsa import aendrede_perioder, borger, nyeste_bestand, oekonomi, voksenhandicap
    from flis_assets.defs.datamart import skole_udsatte as datamart_su
    from flis_assets.defs.datamart import voksenhandicap as datamart_vh
    from flis_assets.defs.datapakker import voksenhandicap as datapakker_vh
    from flis_assets.defs.harmoniseret import skole_udsatte as harmoniseret_su
    from flis_assets.defs.harmoniseret import voksenhandicap as harmoniseret_vh
    from flis_assets.defs.noegletal import kube
    from flis_assets.defs.rapporter import voksenhandicap as rapporter_vh
    from flis_assets.defs.raadata import assets as raadata
    from flis_assets.defs.referencedata import assets as referencedata

    return partitions.med_akse([
        *referencedata.assets,
        *raadata.assets,
        voksenhandicap.dsa_vh,
        borger.dsa_cpr,
        oekonomi.dsa_oekonomi,
        *nyeste_bestand.assets,
        aendrede_perioder.aendrede_perioder,
        harmoniseret_vh.vh_harmoniseret,
        harmoniseret_su.skole_udsatte_harmoniseret,
        datamart_vh.vh_datamart,
        datamart_su.skole_udsatte_datamart,
        kube.kube,
        datapakker_vh.indhold,
        datapakker_vh.filer,
        *rapporter_vh.assets,
    ])


def checks() -> list[dg.AssetChecksDefinition]:
    from flis_assets.defs.datamart import checks as datamart
    from flis_assets.defs.datamart.plausibilitet import checks as plausibilitet
    from flis_assets.defs.datapakker import checks as datapakker
    from flis_assets.defs.dsa import checks as dsa
    from flis_assets.defs.harmoniseret import checks as harmoniseret
    from flis_assets.defs.noegletal import checks as noegletal
    from flis_assets.defs.raadata import checks as raadata

    return [*raadata.checks, *dsa.checks, *harmoniseret.checks, *datamart.checks, *noegletal.checks, *datapakker.checks,
            *plausibilitet]


def sensors() -> list[dg.SensorDefinition]:
    from flis_assets.defs.automation import genberegn_aendrede_perioder, genopbyg_senere_bestande

    return [genberegn_aendrede_perioder, genopbyg_senere_bestande]


def jobs() -> list:
    from flis_assets.defs.jobs import jobs

    return jobs
