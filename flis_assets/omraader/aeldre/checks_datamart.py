"""Ældre's datamart checks: the AED06 reconciliation (warning). The integrator merges `checks` into
the area's checks (`checks.py`)."""

import dagster as dg

from flis_assets.checks.factory import frame_check

# Every kommune, ydelsestype and quarter where FLIS differs from AED06 or one side has no figure;
# quarters that match are not shown.
AED06_SQL = """
SELECT kommunekode, ydelsestype, kvartal, flis, aed06, difference,
    CASE WHEN aed06 IS NULL THEN 'MANGLER_I_AED06' ELSE 'AFVIGER_FRA_AED06' END AS regel
FROM datamart.aeldre_aed06_afstemning
WHERE periode = $maaned AND difference IS DISTINCT FROM 0
ORDER BY abs(coalesce(difference, flis)) DESC, kommunekode, ydelsestype
"""

checks = [
    frame_check(
        asset=dg.AssetKey(["datamart", "aeldre_aed06_afstemning"]), name="aed06_afvigelser",
        description="Advarer om kommuner, ydelsestyper og kvartaler, hvor FLIS' unikke modtagere af varig "
        "hjemmehjælp i eget hjem (efter DST's rettelser) afviger fra Statistikbankens AED06.",
        sql=AED06_SQL,
    ),
]
