"""rådata checks: a quarantined delivery fails a warning that names the file, line and reason;
a file landing never reads fails a warning that names its path and why."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from flis_assets import snitflader
from flis_assets.checks.factory import MAX_SHOWN, frame_check, markdown
from flis_assets.defs.raadata.usete import usete_filer


def usete_filer_check(kilde: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["raadata", kilde]), name="ingen_usete_filer", blocking=False, pool="duckdb",
        description="Advarer om filer under incoming/, som indlæsningen ikke læser: en mappe der ikke er en "
        "kilde, en mappe der ikke er en måned ÅÅÅÅ-MM, en fil uden for månedsmappen eller i en undermappe, "
        "og en fil der kom i en måned, efter at den var indlæst.",
    )
    def _check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        with duckdb.get_connection() as con:
            usete = usete_filer(con, snitflader.kilde(kilde))
        metadata = {"antal_usete_filer": usete.height}
        if usete.height:
            metadata["usete_filer"] = dg.MetadataValue.md(
                markdown(usete.head(MAX_SHOWN))
                + (f"\n\n… og {usete.height - MAX_SHOWN} flere" if usete.height > MAX_SHOWN else ""))
        return dg.AssetCheckResult(passed=usete.height == 0, severity=dg.AssetCheckSeverity.WARN, metadata=metadata)

    return _check


checks = [
    *(frame_check(
        asset=dg.AssetKey(["raadata", k]),
        name="ingen_karantaene",
        description="Advarer, når en leverance i indlæsningsmåneden er sat i karantæne (filen er ikke indlæst).",
        sql=f"""SELECT fil, kommunekode, fagsystem, fejllinje AS linje, aarsag AS regel
                FROM raadata.leverancer
                WHERE kilde = '{k}' AND status = 'karantaene' AND indlaesningsmaaned = $maaned
                ORDER BY fil""",
    ) for k in snitflader.kilder()),
    *(usete_filer_check(k) for k in snitflader.kilder()),
]
