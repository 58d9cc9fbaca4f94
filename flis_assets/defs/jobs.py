"""The steward's two actions, as jobs launched with a range of months from the job's page.

- `indlaes_maaneder`: rådata and DSA (incl. dsa/aendrede_perioder) for a range of load months
  (indlæsningsmåneder).
- `genberegn_perioder`: every period layer (harmoniseret, datamart, nøgletal, datapakker, rapporter)
  for a range of statistical periods.

Every asset of each job has `BackfillPolicy.single_run()`, so the job's own backfill policy is
single-run too (`JobDefinition.backfill_policy` resolves its assets' policies), and a backfill launched
from the job's Partitions tab submits one run per contiguous range, tagged
`dagster/asset_partition_range_start`/`_end` (dagster/_core/execution/job_backfill.py
`_get_partitions_chunk`, Dagster 1.13), not one run per month. The assets take the months of their
window in order, so a range is one run either way. flis_assets_tests/test_jobs.py holds both to this.
"""

import dagster as dg

from flis_assets import partitions
from flis_assets.defs.automation import PERIOD_GROUPS

indlaes_maaneder = dg.define_asset_job(
    "indlaes_maaneder",
    selection=dg.AssetSelection.groups(*partitions.LOAD_MONTH_GROUPS),
    description="Indlæs måneder: læser leverancerne for de valgte indlæsningsmåneder ind i rådata og bygger DSA "
    "og dsa/aendrede_perioder. Vælg indlæsningsmånederne under Partitions > Launch backfill; et sammenhængende "
    "interval køres som én kørsel. Sensoren genberegn_aendrede_perioder genberegner bagefter de statistiske "
    "perioder, som månederne ændrede.",
)

genberegn_perioder = dg.define_asset_job(
    "genberegn_perioder",
    selection=dg.AssetSelection.groups(*sorted(PERIOD_GROUPS)),
    description="Genberegn perioder: beregner harmoniseret, datamart, nøgletal, datapakker og rapporter for de "
    "valgte statistiske perioder ud fra den nyeste viden i DSA. Vælg perioderne under Partitions > Launch "
    "backfill; et sammenhængende interval køres som én kørsel.",
)

jobs = [indlaes_maaneder, genberegn_perioder]
