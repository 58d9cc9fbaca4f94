"""rådata: every delivery landed whole and untouched, one asset per source, by load month.

Landing is append-only: a file already landed (same path and SHA-256) is skipped, so a re-run
never duplicates and landed rows are never changed.
"""


from datetime import date, datetime
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from flis_assets import partitions, settings, snitflader
from flis_assets.defs.raadata import tables
from flis_assets.defs.raadata.landing import Karantaene, parse_filnavn, relativ_sti, sha256, stage
from flis_assets.resources import ensure_schemas
from flis_assets.snitflader import Kilde


def leverance_filer(kilde: Kilde, maaned: date) -> list[Path]:
    folder = settings.incoming_dir() / kilde.kilde / f"{maaned:%Y-%m}"
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


def land_fil(con: duckdb.DuckDBPyConnection, kilde: Kilde, maaned: date, path: Path) -> dict | None:
    """Land one file, or record why not. Returns its leverancer row, or None if seen before."""
    root = settings.data_dir()
    fil = relativ_sti(path, root)
    data = path.read_bytes()
    digest = sha256(data)
    seen = con.execute(
        "SELECT fil, sha256, indhold_fra FROM raadata.leverancer WHERE fil = ? OR (sha256 = ? AND status = 'indlaest')",
        [fil, digest],
    ).fetchall()
    if any(f == fil and s == digest for f, s, _ in seen):
        return None  # this very file is already recorded: a re-run lands nothing
    row = {
        "fil": fil, "kilde": kilde.kilde, "kommunekode": None, "fagsystem": None,
        "leverancetype": None, "leverancedato": None, "indlaesningsmaaned": maaned,
        "sha256": digest, "antal_linjer": None, "status": "karantaene", "aarsag": None,
        "fejllinje": None, "indhold_fra": None, "indlaest_tid": datetime.now(),
    }
    staging = f"staging_{kilde.kilde}"
    landed = False
    try:
        navn = parse_filnavn(path.name, kilde)
        row.update(kommunekode=navn.kommunekode, fagsystem=navn.fagsystem,
                   leverancetype=navn.leverancetype, leverancedato=navn.leverancedato)
        if any(f == fil for f, _, _ in seen):
            raise Karantaene(
                "filen er ændret, efter at den blev indlæst (ny SHA-256); "
                "send rettelser som en ny leverance med ny leverancedato"
            )
        same = next((fra for f, s, fra in seen if s == digest), None)
        if same:  # a full stock that did not change: a delivery of its own, its lines stored once
            lines = con.execute("SELECT antal_linjer FROM raadata.leverancer WHERE fil = ?", [same]).fetchone()[0]
            row.update(status="indlaest", antal_linjer=lines, indhold_fra=same)
        else:
            row.update(status="indlaest", antal_linjer=stage(con, data, path, kilde, staging), indhold_fra=fil)
            landed = True
    except Karantaene as k:
        row.update(aarsag=f"{fil}: {k}", fejllinje=k.linje)

    # The lines and their leverancer row commit together: landed whole or not at all.
    con.execute("BEGIN TRANSACTION")
    try:
        if landed:
            con.execute(
                f"INSERT INTO raadata.{kilde.kilde} SELECT ?, ?, rowid + 1, * FROM {staging}",
                [fil, maaned],
            )
        cols = list(row)
        con.execute(
            f"INSERT INTO raadata.leverancer ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
            [row[c] for c in cols],
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute(f"DROP TABLE IF EXISTS {staging}")
    return row


def land_maaned(con: duckdb.DuckDBPyConnection, kilde: Kilde, maaned: date, log=None) -> list[dict]:
    ensure_schemas(con)
    tables.create(con, kilde)
    rows = []
    for path in leverance_filer(kilde, maaned):
        row = land_fil(con, kilde, maaned, path)
        if row is None:
            continue
        rows.append(row)
        if log and row["status"] == "karantaene":
            log.warning(f"Leverance sat i karantæne: {row['aarsag']}")
    return rows


def raadata_asset(kilde: Kilde) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raadata", kilde.kilde],
        partitions_def=partitions.maaned,
        backfill_policy=partitions.single_run,
        pool="duckdb",
        group_name="raadata",
        kinds={"duckdb"},
        description=(
            f"{kilde.beskrivelse}: hver leverance indlæst uændret (alle felter som tekst) med "
            f"filnavn, linjenummer og leverancens metadata, pr. indlæsningsmåned. "
            f"Filer der ikke kan læses, sættes i karantæne i raadata.leverancer."
        ),
        metadata={"dagster/table_name": f"raadata.{kilde.kilde}"},
    )
    def _asset(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
        landed = []
        with duckdb.get_connection() as con:
            for m in partitions.window_months(context):
                landed += land_maaned(con, kilde, m, context.log)
        ok = [r for r in landed if r["status"] == "indlaest"]
        bad = [r for r in landed if r["status"] == "karantaene"]
        return dg.MaterializeResult(
            metadata={
                "nye_leverancer": len(ok),
                "karantaene": len(bad),
                "linjer_indlaest": sum(r["antal_linjer"] for r in ok),
                "karantaene_filer": dg.MetadataValue.md(
                    "\n".join(f"- {r['aarsag']}" for r in bad) or "ingen"
                ),
            }
        )

    return _asset


assets = [raadata_asset(k) for k in snitflader.kilder().values()]
