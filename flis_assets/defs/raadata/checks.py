"""rådata checks: a quarantined delivery fails a warning that names the file, line and reason."""

import dagster as dg

from flis_assets import snitflader
from flis_assets.checks.factory import frame_check

checks = [
    frame_check(
        asset=dg.AssetKey(["raadata", k]),
        name="ingen_karantaene",
        description="Advarer, når en leverance i indlæsningsmåneden er sat i karantæne (filen er ikke indlæst).",
        sql=f"""SELECT fil, kommunekode, fagsystem, fejllinje AS linje, aarsag AS regel
                FROM raadata.leverancer
                WHERE kilde = '{k}' AND status = 'karantaene' AND indlaesningsmaaned = $maaned
                ORDER BY fil""",
    )
    for k in snitflader.kilder()
]
