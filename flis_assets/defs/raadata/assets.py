"""rådata: every delivery landed whole and untouched, one asset per source, by load month.

Landing is append-only: a file already landed (same path and SHA-256) is skipped, so a re-run
never duplicates and landed rows are never changed.
"""


from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

import dagster as dg
import duckdb
import polars as pl
import pyarrow as pa
from dagster_duckdb import DuckDBResource

from flis_assets import partitions, settings, snitflader
from flis_assets.defs.raadata import tables
from flis_assets.defs.raadata.landing import (
    Karantaene,
    bredde_passer,
    diagnose,
    filer_med_dubletter,
    forkerte_filer,
    laes,
    line_count,
    parse_filnavn,
    relativ_sti,
    sha256,
    utf8,
)
from flis_assets.resources import arrow, ensure_schemas, read_ahead, registreret, tabel_metadata
from flis_assets.snitflader import Kilde


def leverance_filer(kilde: Kilde, maaned: date) -> list[Path]:
    folder = settings.incoming_dir() / kilde.kilde / f"{maaned:%Y-%m}"
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


LEVERANCE_SCHEMA = {
    "fil": pl.String, "kilde": pl.String, "kommunekode": pl.Int32, "fagsystem": pl.String,
    "leverancetype": pl.String, "leverancedato": pl.Date, "indlaesningsmaaned": pl.Date, "sha256": pl.String,
    "antal_linjer": pl.Int64, "status": pl.String, "aarsag": pl.String, "fejllinje": pl.Int64,
    "indhold_fra": pl.String, "indlaest_tid": pl.Datetime("us"),
}


def _row(fil: str, kilde: Kilde, maaned: date, digest: str) -> dict:
    return {
        "fil": fil, "kilde": kilde.kilde, "kommunekode": None, "fagsystem": None,
        "leverancetype": None, "leverancedato": None, "indlaesningsmaaned": maaned,
        "sha256": digest, "antal_linjer": None, "status": "karantaene", "aarsag": None,
        "fejllinje": None, "indhold_fra": None, "indlaest_tid": datetime.now(),
    }


def _quarantine(row: dict, k: Karantaene) -> None:
    row.update(status="karantaene", aarsag=f"{row['fil']}: {k}", fejllinje=k.linje, antal_linjer=None, indhold_fra=None)


class Kendt(NamedTuple):
    """A row of raadata.leverancer already recorded (or prepared) for a file or its content."""

    fil: str
    sha256: str
    status: str
    indhold_fra: str | None
    antal_linjer: int | None


@dataclass
class Forberedt:
    """A load month read, checked and parsed, not yet written: its leverancer rows and the lines
    (`fil`, `linjenr`, felt_1..n) of the files that pass."""

    maaned: date
    rows: list[dict]
    linjer: pa.Table | None


def land_maaned(con: duckdb.DuckDBPyConnection, kilde: Kilde, maaned: date, log=None) -> list[dict]:
    """Land a source's deliveries of one load month, all in one pass and one transaction.

    Each file is landed whole or not at all: a file that fails any rule is quarantined with its
    line and reason and the rest go on. A file already recorded (same path and SHA-256) is
    skipped; content already landed under another name is recorded as a delivery of its own
    whose lines are those of the first (`indhold_fra`), so content lands once.
    """
    return land_maaneder(con, kilde, [maaned], log)


def land_maaneder(con: duckdb.DuckDBPyConnection, kilde: Kilde, maaneder: list[date], log=None) -> list[dict]:
    """`land_maaned` for each month in order, the next month read and parsed on a second thread
    while this one is written (writing is single-threaded in DuckDB: the other core was idle)."""
    ensure_schemas(con)
    tables.create(con, kilde)
    landed: list[dict] = []
    # the month before, prepared but not yet committed, counts as known content
    for _, plan in read_ahead(con, maaneder, lambda laeser, m, forrige: forbered(
            laeser, kilde, m, forrige.rows if forrige else ())):
        landed += gem(con, kilde, plan, log)
    return landed


def forbered(con: duckdb.DuckDBPyConnection, kilde: Kilde, maaned: date, ikke_gemt: list[dict] = ()) -> Forberedt:
    """Everything of landing a month but the writing; `ikke_gemt` are the rows of a month
    prepared before this one and not yet committed."""
    root = settings.data_dir()
    rows: list[dict] = []
    to_read: list[tuple[dict, bytes, bytes]] = []  # (row, file, file as UTF-8) of each new content
    batch: dict[str, dict] = {}  # sha256 -> the row that lands that content in this batch
    files = []
    for path in leverance_filer(kilde, maaned):
        data = path.read_bytes()
        files.append((path, relativ_sti(path, root), data, sha256(data)))
    # what is already known of these files, in one look-up: every row of the same path (a re-run),
    # but a row an earlier version left landed without lines (`tables.UDEN_LINJER`), and the landed
    # rows of the same content
    known = [Kendt(*r) for r in con.execute(
        "SELECT fil, sha256, status, indhold_fra, antal_linjer FROM raadata.leverancer WHERE kilde = ? AND "
        "((fil IN (SELECT unnest(?)) AND aarsag IS DISTINCT FROM ?) "
        "OR (sha256 IN (SELECT unnest(?)) AND status = 'indlaest'))",
        [kilde.kilde, [f[1] for f in files], tables.UDEN_LINJER, [f[3] for f in files]]).fetchall()]
    known += [Kendt(r["fil"], r["sha256"], r["status"], r["indhold_fra"], r["antal_linjer"])
              for r in ikke_gemt if r["status"] == "indlaest"]
    for path, fil, data, digest in files:
        if any(k.fil == fil and k.sha256 == digest for k in known):
            continue  # this very file is already recorded (landed or quarantined): a re-run lands nothing
        row = _row(fil, kilde, maaned, digest)
        rows.append(row)
        try:
            navn = parse_filnavn(path.name, kilde)
            row.update(kommunekode=navn.kommunekode, fagsystem=navn.fagsystem,
                       leverancetype=navn.leverancetype, leverancedato=navn.leverancedato)
            if navn.leverancedato >= partitions.add_months(maaned, 1):
                # the newest delivery is the one with the latest date: a date from the future
                # would hide every real delivery until then
                raise Karantaene(
                    f"leverancedatoen {navn.leverancedato:%Y%m%d} i filnavnet ligger efter "
                    f"indlæsningsmåneden {maaned:%Y-%m}; en leverance kan ikke være leveret senere "
                    f"end den måned, den indlæses i"
                )
            # Only landed rows count as what is known: a quarantined file has no lines, so the same
            # bytes re-sent under a corrected name, or corrected bytes under the same name, land.
            landed = [k for k in known if k.status == "indlaest"]
            if any(k.fil == fil for k in landed):
                raise Karantaene(
                    "filen er ændret, efter at den blev indlæst (ny SHA-256); "
                    "send rettelser som en ny leverance med ny leverancedato"
                )
            earlier = next((k for k in landed if k.sha256 == digest), None)
            if earlier:  # a full stock that did not change: a delivery of its own, lines stored once
                row.update(status="indlaest", indhold_fra=earlier.indhold_fra, antal_linjer=earlier.antal_linjer)
            elif digest in batch:
                row.update(status="indlaest", indhold_fra=batch[digest]["fil"], antal_linjer=batch[digest]["antal_linjer"])
            else:
                row.update(status="indlaest", indhold_fra=fil, antal_linjer=line_count(data))
                if not bredde_passer(data, row["antal_linjer"], kilde):
                    raise diagnose(data, kilde, "forkert antal felter")
                to_read.append((row, data, utf8(data, kilde)))
                batch[digest] = row
        except Karantaene as k:
            _quarantine(row, k)

    linjer = _laes(con, kilde, to_read)
    # a delivery repeating content whose first file failed fails with it
    for row in rows:
        first = next((r for r in batch.values() if r["fil"] == row["indhold_fra"]), None)
        if row["status"] == "indlaest" and first is not None and first["status"] != "indlaest":
            _quarantine(row, Karantaene(f"samme indhold som {first['fil']}, der er sat i karantæne"))

    return Forberedt(maaned, rows, arrow(linjer) if linjer is not None else None)


def gem(con: duckdb.DuckDBPyConnection, kilde: Kilde, plan: Forberedt, log=None) -> list[dict]:
    """Write a prepared month: its lines and leverancer rows commit together, so each file
    lands whole or not at all."""
    con.execute("BEGIN TRANSACTION")
    try:
        if plan.linjer is not None:
            with registreret(con, "nye_linjer", plan.linjer):
                con.execute(f"INSERT INTO raadata.{kilde.kilde} SELECT fil, ?, linjenr, * EXCLUDE (fil, linjenr) "
                            "FROM nye_linjer", [plan.maaned])
        if plan.rows:
            with registreret(con, "nye_leverancer", arrow(pl.DataFrame(plan.rows, schema=LEVERANCE_SCHEMA))):
                con.execute("INSERT INTO raadata.leverancer BY NAME SELECT * FROM nye_leverancer")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    if log:
        for row in plan.rows:
            if row["status"] == "karantaene":
                log.warning(f"Leverance sat i karantæne: {row['aarsag']}")
    return plan.rows


def _laes(con: duckdb.DuckDBPyConnection, kilde: Kilde, filer: list[tuple[dict, bytes, bytes]]) -> pl.DataFrame | None:
    """The lines (`fil`, `linjenr`, felt_1..n) of every file that passes, read in one pass; a file
    that fails is quarantined with its line and reason and the others go on."""
    filer = [f for f in filer if f[0]["status"] == "indlaest"]
    if not filer:
        return None
    try:
        frame = laes([tekst for _, _, tekst in filer], kilde)
    except pl.exceptions.PolarsError:  # find the file(s) to blame, one by one
        for row, data, tekst in filer:
            try:
                laes([tekst], kilde)
            except pl.exceptions.PolarsError as e:
                _quarantine(row, diagnose(data, kilde, str(e)))
        if all(f[0]["status"] == "indlaest" for f in filer):
            raise
        return _laes(con, kilde, filer)
    with registreret(con, "laeste_linjer", arrow(frame)):
        bad = forkerte_filer(con, kilde, "laeste_linjer") | filer_med_dubletter(frame, kilde)
    for i in bad:
        _quarantine(filer[i][0], diagnose(filer[i][1], kilde, "en værdi har forkert type"))
    keep = [i for i, f in enumerate(filer) if f[0]["status"] == "indlaest"]
    if not keep:
        return None
    navne = pl.DataFrame({"fil_nr": keep, "fil": [filer[i][0]["fil"] for i in keep]},
                         schema={"fil_nr": pl.Int32, "fil": pl.String})
    return frame.join(navne, on="fil_nr", maintain_order="left").select("fil", *frame.columns[1:])


def raadata_asset(kilde: Kilde) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raadata", kilde.kilde],
        **partitions.MAANEDLIG,
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
        with duckdb.get_connection() as con:
            maaneder = partitions.window_months(context)
            landed = land_maaneder(con, kilde, maaneder, context.log)
            tabel = tabel_metadata(con, f"raadata.{kilde.kilde}", "indlaesningsmaaned", maaneder)
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
                **tabel,
            }
        )

    return _asset


assets = [raadata_asset(k) for k in snitflader.kilder().values()]
