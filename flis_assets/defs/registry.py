"""Every asset, check, sensor and job of the project: the platform's layers, then each data area's
own (`flis_assets/omraader/<navn>/`), found without a central list (definitions.py stays thin)."""

import dagster as dg

from flis_assets import omraader, partitions


def assets() -> list[dg.AssetsDefinition]:
    from flis_assets.defs.datapakker import pakker
    from flis_assets.defs.dsa import aendrede_perioder
    from flis_assets.defs.noegletal import kube
    from flis_assets.defs.raadata import assets as raadata
    from flis_assets.defs.referencedata import assets as referencedata

    return partitions.med_akse([
        *referencedata.assets,
        *raadata.assets,
        aendrede_perioder.aendrede_perioder,
        *(a for o in omraader.omraader() for a in o.assets()),
        kube.kube,
        pakker.indhold,
        pakker.filer,
    ])


def checks() -> list[dg.AssetChecksDefinition]:
    from flis_assets.defs.datamart.plausibilitet import checks as plausibilitet
    from flis_assets.defs.datapakker import checks as datapakker
    from flis_assets.defs.dsa import checks as dsa
    from flis_assets.defs.noegletal import checks as noegletal
    from flis_assets.defs.raadata import checks as raadata

    return [*raadata.checks, *dsa.checks, *(c for o in omraader.omraader() for c in o.checks()),
            *noegletal.checks, *datapakker.checks, *plausibilitet]


def sensors() -> list[dg.SensorDefinition]:
    from flis_assets.defs.automation import genberegn_aendrede_perioder, genopbyg_senere_bestande

    return [genberegn_aendrede_perioder, genopbyg_senere_bestande,
            *(s for o in omraader.omraader() for s in o.sensors())]


def jobs() -> list:
    from flis_assets.defs.jobs import jobs

    return jobs
