"""datapakker: what each subscribing kommune receives, per period (outputs.md).

`datapakker/indhold` puts every package's content in DuckDB tables; the blocking checks on it
(own lines only, discretion, known kommuner; `checks.py`) are judged again per period by
`datapakker/filer`, which writes only the periods that pass, so nothing that fails them ever leaves
the system, and one bad month does not hold back the others. Each folder is replaced whole
(`mapper.py`), and the same content always gives the same bytes (`DECIMALER`, a total row order).

- `noegletal`: the key-figure cube for the period, every area, discretion applied.
- `vh_datamart`: the benchmark datamart for the period, every kommune, discretion applied.
- `vh_individ`: the kommune's own harmonised VH lines (interpreted handlekommune) with their
  annotations.
- `vh_regelrapport`: the harmoniseringsregelrapport's citizens per rule (kommune-specific).
- `vh_hand07_benchmark`: the kommune's rows of the benchmark against HAND07 (discretion applied).
- `noegletal` also holds the linked figures' four populations (`noegletal_populationer`).
- `skole_individ`, `udsatte_individ`: the kommune's own pupils and measures, one area each.
- `datavalidering`: the failing keys of the asset checks (`validering.fejl`) whose kommune is the
  kommune, per month; only to a kommune that subscribes to it in reference/abonnementer.csv.
"""

import hashlib
import io
import itertools
import json
import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import polars.selectors as cs
import pyarrow as pa
import pyarrow.parquet as pq
from dagster_duckdb import DuckDBResource

from flis_assets import kodelister, partitions, settings
from flis_assets.checks import validering
from flis_assets.defs.datapakker import mapper
from flis_assets.defs.datapakker.checks import afviste_perioder
from flis_assets.defs.noegletal.benchmark_diskretion import RAEKKER_SQL
from flis_assets.defs.noegletal.diskretion import MIN_INDIVIDER
from flis_assets.resources import (
    create_tables_like,
    ensure_schemas,
    maanedstabel,
    query_pl,
    registreret,
    replace_periods,
)

# Decimal numbers in a package are rounded to this many places (README, manifest.json `decimaler`).
DECIMALER = 6

MAANEDER = "SELECT unnest(generate_series($fra::DATE, $til::DATE, INTERVAL 1 MONTH))::DATE AS periode"

# Without reference/abonnementer.csv every kommune in the data subscribes to every package. Only
# kommuner of kodelister/kommuner.csv ever subscribe: a line with an unknown handlekommune makes
# no package (the blocking check `kun_kendte_kommuner` names the code where a package shows it).
ABONNENTER_SQL = f"""
WITH pakker AS (SELECT unnest($pakker) AS pakke),
i_data AS (
    SELECT DISTINCT periode, handlekommune AS kommunekode FROM harmoniseret.vh_ydelser WHERE periode BETWEEN $fra AND $til
    UNION SELECT DISTINCT periode, kommunekode FROM datamart.befolkning WHERE periode BETWEEN $fra AND $til
),
abonnenter AS (
    SELECT m.periode, a.kommunekode, a.pakke FROM ({MAANEDER}) m, referencedata.abonnementer a
    UNION ALL
    SELECT i.periode, i.kommunekode, p.pakke FROM i_data i, pakker p
    WHERE NOT EXISTS (SELECT 1 FROM referencedata.abonnementer)
)
SELECT * FROM abonnenter WHERE kommunekode IN (SELECT kommunekode FROM kodelister.kommuner)
"""

NOEGLETAL_SQL = "SELECT * FROM noegletal.kube WHERE periode BETWEEN $fra AND $til"

# Every kommune's row for every ydelse; those the cube's discretion withholds with it
# (noegletal.vh_benchmark_diskretion): under five recipients (none included), a withheld figure
# resting on the row, or a row a shown figure would give away.
VH_DATAMART_SQL = f"""
SELECT b.periode, b.handlekommune, b.ydelseskode,
    CASE WHEN s.diskretion_aarsag IS NULL THEN b.unikke_modtagere END AS unikke_modtagere,
    CASE WHEN s.diskretion_aarsag IS NULL THEN b.helaarsmodtagere END AS helaarsmodtagere,
    b.godkendt_dst, s.diskretion_aarsag IS NOT NULL AS diskretioneret, s.diskretion_aarsag
FROM ({RAEKKER_SQL}) b LEFT JOIN noegletal.vh_benchmark_diskretion s USING (periode, handlekommune, ydelseskode)
"""

VH_INDIVID_SQL = """
WITH o AS (SELECT periode, kommunekode, fagsystem, ydelse_id,
               string_agg(regel || ' (' || dst_handling || ')', ', ' ORDER BY regel) AS opmaerkninger
           FROM harmoniseret.vh_opmaerkninger WHERE periode BETWEEN $fra AND $til GROUP BY ALL)
SELECT y.handlekommune AS modtager, y.* EXCLUDE (kommunekode, indlaesningsmaaned), y.kommunekode AS leverandoer,
    o.opmaerkninger
FROM harmoniseret.vh_ydelser y LEFT JOIN o USING (periode, kommunekode, fagsystem, ydelse_id)
WHERE y.periode BETWEEN $fra AND $til
"""

# The kommune's own rows of the HAND07 benchmark; FLIS's count is withheld under five.
HAND07_SQL = f"""
SELECT periode, kommunekode AS modtager, kvartal, kommunekode, ydelseskode,
    CASE WHEN flis < {MIN_INDIVIDER} THEN NULL ELSE flis END AS flis, hand07,
    CASE WHEN flis < {MIN_INDIVIDER} THEN NULL ELSE difference END AS difference,
    flis < {MIN_INDIVIDER} AS diskretioneret
FROM datamart.vh_hand07_afstemning WHERE periode BETWEEN $fra AND $til
"""

# Individual-level data of one area each, only to the kommune's own package: its schools'
# pupils, and the measures it is handlekommune for. FLIS never combines two areas' lists.
SKOLE_INDIVID_SQL = """
SELECT periode, kommunekode AS modtager, * EXCLUDE (periode) FROM harmoniseret.skole_elever
WHERE periode BETWEEN $fra AND $til
"""

# Not the stock's load month (`indlaesningsmaaned`): a period no correction touched keeps the month
# it was last computed from, so the package would differ from a full rebuild of the same data.
UDSATTE_INDIVID_SQL = """
SELECT periode, handlekommune AS modtager, * EXCLUDE (periode, indlaesningsmaaned) FROM harmoniseret.udsatte_foranstaltninger
WHERE periode BETWEEN $fra AND $til
"""

REGELRAPPORT_SQL = """
SELECT periode, handlekommune AS modtager, handlekommune, regel, dst_handling, cpr,
    count(*) AS antal_linjer
FROM harmoniseret.vh_opmaerkninger WHERE periode BETWEEN $fra AND $til GROUP BY ALL
"""

# The kommune's own failing keys of every check and month (never a CPR number: `validering`).
DATAVALIDERING_SQL = f"""
SELECT maaned AS periode, kommunekode AS modtager, kommunekode, tjek, regel, noegle
FROM {validering.TABEL} WHERE maaned BETWEEN $fra AND $til AND kommunekode IS NOT NULL
"""

SELECTS = {
    "datapakker.abonnenter": ABONNENTER_SQL,
    "datapakker.noegletal": NOEGLETAL_SQL,
    "datapakker.noegletal_populationer": "SELECT * FROM noegletal.koblede_populationer WHERE periode BETWEEN $fra AND $til",
    "datapakker.skole_individ": SKOLE_INDIVID_SQL,
    "datapakker.udsatte_individ": UDSATTE_INDIVID_SQL,
    "datapakker.vh_datamart": VH_DATAMART_SQL,
    "datapakker.vh_individ": VH_INDIVID_SQL,
    "datapakker.vh_regelrapport": REGELRAPPORT_SQL,
    "datapakker.vh_hand07_benchmark": HAND07_SQL,
    "datapakker.datavalidering": DATAVALIDERING_SQL,
}
# package -> its tables (one file each, named after the table)
PAKKER = {
    "noegletal": ["noegletal", "noegletal_populationer"],
    "vh_datamart": ["vh_datamart"],
    "vh_individ": ["vh_individ"],
    "vh_regelrapport": ["vh_regelrapport"],
    "vh_hand07_benchmark": ["vh_hand07_benchmark"],
    "skole_individ": ["skole_individ"],
    "udsatte_individ": ["udsatte_individ"],
    "datavalidering": ["datavalidering"],
}
# Packages a kommune gets only by subscribing in reference/abonnementer.csv, not by default
# (none now: every kommune gets its own datavalidering, as the steward validates by kommune).
KUN_MED_ABONNEMENT: set[str] = set()
PER_MODTAGER = {"vh_individ", "vh_regelrapport", "vh_hand07_benchmark", "skole_individ", "udsatte_individ",
                "datavalidering"}  # the rest is the same for every kommune
ORDER = {"noegletal": "niveau, omraade, noegletal_id", "vh_datamart": "handlekommune, ydelseskode",
         "vh_individ": "leverandoer, fagsystem, ydelse_id", "vh_regelrapport": "regel, cpr",
         "vh_hand07_benchmark": "kvartal, ydelseskode",
         "noegletal_populationer": "niveau, omraade, noegletal_id, population",
         "skole_individ": "kommunekode, cpr, skolekode", "udsatte_individ": "kommunekode, foranstaltning_id",
         "datavalidering": "tjek, regel, noegle"}


def build_indhold(con: duckdb.DuckDBPyConnection, months: list[date]) -> dict[str, int]:
    ensure_schemas(con)
    con.execute(validering.OPRET)  # empty until a check has failed
    standard = {"pakker": [p for p in PAKKER if p not in KUN_MED_ABONNEMENT]}
    create_tables_like(con, SELECTS, standard)  # tables take the shape of their query
    return replace_periods(con, SELECTS, months, standard)


Files = dict[str, tuple[bytes, str, int]]  # a table's files: extension -> (bytes, SHA-256, rows)
Part = tuple[pa.Table, bytes]  # a kommune's rows of a table: as Arrow (for Parquet), as CSV


def _content(frame: pl.DataFrame) -> Files:
    return _files(_parts(frame, [frame.height])[0])


def _files(part: Part) -> Files:
    table, csv = part
    return {ext: (data, hashlib.sha256(data).hexdigest(), table.num_rows)
            for ext, data in (("parquet", _parquet_bytes(table)), ("csv", csv))}


def _parts(frame: pl.DataFrame, heights: list[int]) -> list[Part]:
    """Each run of `heights` consecutive rows of `frame` (a kommune's rows each).

    One polars write for the whole frame: polars plans a query for every write (~0.5 ms), which cost
    more than the encoding itself at ~500 small frames a period.
    """
    starts = list(itertools.accumulate(heights, initial=0))[:-1]
    table = frame.to_arrow()
    return [(table.slice(start, n), csv) for start, n, csv in zip(starts, heights, _csv_parts(frame, starts, heights))]


def _csv_parts(frame: pl.DataFrame, starts: list[int], heights: list[int]) -> list[bytes]:
    """The CSV of each run: the whole frame written once, cut at row ends under the same header."""
    lines = _csv_bytes(frame).split(b"\n")  # the header (with BOM), one line a row, b""
    if len(lines) != frame.height + 2:  # a quoted value holds a line break: write each run alone
        return [_csv_bytes(frame.slice(start, n)) for start, n in zip(starts, heights)]
    return [b"\n".join([lines[0], *lines[1 + start:1 + start + n], b""]) for start, n in zip(starts, heights)]


def _csv_bytes(frame: pl.DataFrame) -> bytes:
    """`;`, UTF-8 with BOM, decimal comma: Excel in a Danish locale opens it as it is."""
    buf = io.BytesIO()
    frame.write_csv(buf, include_bom=True, separator=";", decimal_comma=True, date_format="%Y-%m-%d")
    return buf.getvalue()


def _parquet_bytes(table: pa.Table) -> bytes:
    """pyarrow, not polars (its per-write query); snappy, not zstd, whose set-up per column chunk cost
    more than the encoding at a few hundred rows a file (snappy is what every Parquet reader knows)."""
    buf = pa.BufferOutputStream()
    pq.write_table(table, buf, compression="snappy", write_statistics=False)
    return buf.getvalue().to_pybytes()


class UkendtKommune(Exception):
    """A package addressed to a kommunekode that is not in kodelister/kommuner.csv."""


def _write_kommune(root: Path, p: date, kommune: int, pakker: list[str], own: dict, shared: dict, empty: dict,
                   kendte: frozenset[int]) -> tuple[Path, Path, list[tuple]]:
    """One kommune's package for period `p` in a temporary sibling of its folder (manifest last):
    (folder, temporary folder, its rows for `datapakker.filer`)."""
    if kommune not in kendte:  # the subscribers are filtered already: this is the last guard
        raise UkendtKommune(f"Kommunekoden {kommune} findes ikke i kodelisten kommuner.csv: "
                            f"ingen datapakke skrives til den ({p:%Y-%m})")
    folder = root / f"{kommune:03d}" / f"{p:%Y-%m}"
    files, manifest, written = [], [], []
    for pakke in pakker:
        for t in PAKKER[pakke]:
            if pakke not in PER_MODTAGER:
                content = shared[t]
            elif kommune in own[t]:
                content = _files(own[t][kommune])  # encoded on the pool: pyarrow releases the GIL
            else:
                content = empty[t]
            for ext, (data, digest, rows) in content.items():
                files.append((f"{t}.{ext}", data))
                manifest.append({"fil": f"{t}.{ext}", "pakke": pakke, "raekker": rows, "sha256": digest})
                written.append((p, kommune, pakke, f"datapakker/{kommune:03d}/{p:%Y-%m}/{t}.{ext}", rows, digest))
    files.append(("manifest.json", (json.dumps(
        {"kommunekode": f"{kommune:03d}", "periode": f"{p:%Y-%m}", "decimaler": DECIMALER, "filer": manifest},
        indent=2, ensure_ascii=False) + "\n").encode("utf-8")))
    return folder, mapper.skriv_mappe(folder, files), written


def _per_modtager(frame: pl.DataFrame) -> dict[int, Part]:
    """Each kommune's rows of a package sorted by `modtager`."""
    runs = frame["modtager"].rle().struct.unnest()
    return dict(zip(runs["value"], _parts(frame.drop("modtager"), runs["len"].to_list())))


def _ordered(con: duckdb.DuckDBPyConnection, t: str, first: str) -> str:
    """`first`, then every other column of `datapakker.{t}`: a total order, so the same rows always
    give the same bytes (no tie left to the query plan)."""
    keys = [k.strip() for k in first.split(",")]
    columns = [c for c in con.sql(f"SELECT * FROM datapakker.{t} LIMIT 0").columns if c != "periode"]
    return ", ".join(keys + [f'"{c}"' for c in columns if c not in keys])


def _rounded(frame: pl.DataFrame) -> pl.DataFrame:
    """Every decimal number to `DECIMALER` places, in Parquet and CSV alike: a figure summed in
    another order (254168.34999999998 for 254168.35) gives the same bytes. A tiny negative would
    round to -0.0 (written `-0,0`); it is written as 0."""
    rounded = cs.float().round(DECIMALER)
    return frame.with_columns(pl.when(rounded == 0).then(0.0).otherwise(rounded).name.keep())


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> pl.DataFrame:
    return _rounded(query_pl(con, sql, params))


FILER_TABEL = """CREATE TABLE IF NOT EXISTS datapakker.filer (
    periode DATE NOT NULL, kommunekode INTEGER NOT NULL, pakke VARCHAR NOT NULL, fil VARCHAR NOT NULL,
    raekker BIGINT NOT NULL, sha256 VARCHAR NOT NULL)"""


def write_files(con: duckdb.DuckDBPyConnection, months: list[date]) -> Iterator[tuple[date, int]]:
    """Each month's package folders, each replaced whole; (month, files written) once a month's
    folders are in place and listed in `datapakker.filer`."""
    con.execute(FILER_TABEL)
    root = settings.data_dir() / "datapakker"
    mapper.ryd_op(root)  # what a killed run left; one writer at a time (pool duckdb)
    kendte = frozenset(kodelister.load("kommuner")["kommunekode"].to_list())
    empty = {t: _content(_fetch(con, f"SELECT * EXCLUDE (periode, modtager) FROM datapakker.{t} LIMIT 0"))
             for t in PER_MODTAGER}
    # DuckDB reads and the CSV, a table at a time, run on this thread while the pool encodes the
    # Parquet files and writes the previous period's folders (pyarrow, hashlib and file I/O release
    # the GIL): a backfill writes ~235 k files.
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        pending = None
        for p in months:
            subs = query_pl(con, "SELECT kommunekode, pakke FROM datapakker.abonnenter WHERE periode = ? "
                                 "ORDER BY ALL", [p])
            shared = {
                t: _content(_fetch(con, f"SELECT * EXCLUDE (periode) FROM datapakker.{t} WHERE periode = ? "
                                        f"ORDER BY {_ordered(con, t, ORDER[t])}", [p]))
                for pakke, tabeller in PAKKER.items() if pakke not in PER_MODTAGER for t in tabeller
            }
            own = {pakke: _per_modtager(_fetch(con, f"SELECT * EXCLUDE (periode) FROM datapakker.{pakke} WHERE "
                                                    f"periode = ? ORDER BY {_ordered(con, pakke, 'modtager, ' + ORDER[pakke])}",
                                               [p]))
                   for pakke in PER_MODTAGER}  # one query per package and period
            if pending:  # one period in flight at a time
                yield _put_in_place(con, root, *pending)
            pending = p, [pool.submit(_write_kommune, root, p, kommune, pakker, own, shared, empty, kendte)
                          for kommune, pakker in subs.group_by("kommunekode", maintain_order=True).agg("pakke").rows()]
        if pending:
            yield _put_in_place(con, root, *pending)


def _put_in_place(con: duckdb.DuckDBPyConnection, root: Path, p: date, futures: list[Future]) -> tuple[date, int]:
    """The period's written folders swapped in, and listed in `datapakker.filer`. When one folder
    failed, none of the period's is swapped in (the old packages stay) and the error is raised."""
    done, error = [], None
    for f in futures:
        try:
            done.append(f.result())
        except Exception as e:  # wait for every folder: none is left half-way on the pool
            error = error or e
    if error:
        for _, tmp, _ in done:
            mapper.kasser(tmp)
        raise error
    swapped = []
    try:
        mapper.synk(root)  # the files on disk before a folder names them
        for folder, tmp, rows in done:
            mapper.indsaet(tmp, folder)
            swapped.append(rows)
    finally:
        for _, tmp, _ in done[len(swapped):]:
            mapper.kasser(tmp)
        _list(con, p, swapped)  # the folders now in place, even when a later one failed
    mapper.synk(root)
    return p, sum(len(rows) for rows in swapped)


def _list(con: duckdb.DuckDBPyConnection, p: date, swapped: list[list[tuple]]) -> None:
    """`datapakker.filer` for the kommuner whose folders of period `p` were just replaced."""
    frame = pl.DataFrame([r for rows in swapped for r in rows], orient="row",
                         schema={"periode": pl.Date, "kommunekode": pl.Int32, "pakke": pl.String, "fil": pl.String,
                                 "raekker": pl.Int64, "sha256": pl.String})
    with registreret(con, "skrevne_filer", frame):
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM datapakker.filer WHERE periode = ? AND kommunekode IN "
                        "(SELECT DISTINCT kommunekode FROM skrevne_filer)", [p])
            con.execute("INSERT INTO datapakker.filer BY NAME SELECT * FROM skrevne_filer")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise


KW = dict(**partitions.MAANEDLIG, group_name="datapakker", kinds={"duckdb"})


@dg.asset(
    key=["datapakker", "indhold"],
    deps=[dg.AssetKey(["noegletal", "kube"]), dg.AssetKey(["noegletal", "vh_benchmark_diskretion"]),
          dg.AssetKey(["datamart", "vh_benchmark"]), dg.AssetKey(["datamart", "befolkning"]), dg.AssetKey(["harmoniseret", "vh_ydelser"]), dg.AssetKey(["harmoniseret", "vh_opmaerkninger"]),
          dg.AssetKey(["noegletal", "koblede_populationer"]), dg.AssetKey(["harmoniseret", "skole_elever"]),
          dg.AssetKey(["harmoniseret", "udsatte_foranstaltninger"]), dg.AssetKey(["referencedata", "abonnementer"]),
          dg.AssetKey(["referencedata", "kodelister"])],
    description="Indholdet af hver datapakke pr. periode (tabeller i skemaet datapakker), før det forlader FLIS.",
    **KW,
)
def indhold(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        months = partitions.window_months(context)
        counts = build_indhold(con, months)
        # one asset over several tables: a column per table in the rows per period
        tabel, _ = maanedstabel(con, {t: t.split(".")[1] for t in SELECTS}, "periode", months)
    return dg.MaterializeResult(metadata={**counts, "dagster/partition_row_count": sum(counts.values()),
                                          "raekker_pr_maaned": tabel})


class AfvistePerioder(Exception):
    """Periods of a run whose packages a blocking check held back; the run's other periods are written."""

    def __init__(self, afvist: dict[date, list[str]], skrevet: list[date]):
        held = "; ".join(f"{m:%Y-%m} ({', '.join(navne)})" for m, navne in afvist.items())
        rest = f" De øvrige perioder er skrevet: {', '.join(f'{m:%Y-%m}' for m in skrevet)}." if skrevet else ""
        super().__init__(f"Datapakkerne er ikke skrevet for {held}, fordi blokerende kontroller fejlede.{rest}")


@dg.asset(
    key=["datapakker", "filer"],
    deps=[indhold],
    description="Datapakkerne som filer under `$FLIS_DATA_DIR/datapakker/{kommunekode}/{ÅÅÅÅ-MM}/`: Parquet og "
    f"CSV (semikolon, UTF-8 med BOM, decimalkomma, decimaltal afrundet til {DECIMALER} decimaler) med "
    "manifest.json. Hver mappe udskiftes hel. En periode, hvor en blokerende kontrol af datapakker/indhold "
    "fejler, skrives ikke; kørslens øvrige perioder skrives, og kørslen fejler med navnet på perioden.",
    metadata={"dagster/table_name": "datapakker.filer"},
    output_required=False,  # a materialisation per period written, not one for the whole window
    **KW,
)
def filer(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> Iterator[dg.AssetMaterialization]:
    months = partitions.window_months(context)
    written = []
    with duckdb.get_connection() as con:
        # Dagster blocks per step, i.e. every month of a ranged run at once: the checks are
        # evaluated here again per month, on exactly what is about to be written.
        afvist = afviste_perioder(con, months)
        for p, n in write_files(con, [m for m in months if m not in afvist]):
            written.append(p)
            yield dg.AssetMaterialization(asset_key=context.asset_key, partition=p.isoformat(), metadata={
                "filer_skrevet": n,
                # where the steward finds the period's packages: one folder per kommune under this root
                "dagster/uri": (settings.data_dir() / "datapakker").as_uri(),
                "mapper": dg.MetadataValue.path(str(settings.data_dir() / "datapakker" / "{kommunekode}" / f"{p:%Y-%m}")),
            })
    if afvist:
        raise AfvistePerioder(afvist, written)
