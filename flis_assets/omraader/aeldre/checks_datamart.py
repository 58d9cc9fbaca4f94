"""Ældre's datamart checks: the AED06 reconciliation (warning). The integrator merges `checks` into
the area's checks (`checks.py`)."""

from flis_assets.defs.datamart import afstemning

TABEL, NOEGLER = "aeldre_aed06_afstemning", ["kommunekode", "ydelsestype"]

# Every kommune, ydelsestype and quarter where FLIS differs from AED06 or one side has no figure.
AED06_SQL = afstemning.afvigelser_sql(TABEL, "aed06", NOEGLER)

checks = [
    afstemning.afvigelser_check(
        TABEL, "aed06", NOEGLER,
        "Advarer om kommuner, ydelsestyper og kvartaler, hvor FLIS' unikke modtagere af varig "
        "hjemmehjælp i eget hjem (efter DST's rettelser) afviger fra Statistikbankens AED06.",
    ),
]
