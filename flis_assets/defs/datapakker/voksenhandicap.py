"""datapakker: what each subscribing kommune receives, per period (outputs.md).

`datapakker/indhold` puts every package's content in DuckDB tables; the blocking checks on it
(own lines only, discretion) stop `datapakker/filer`, which writes the files, so nothing that
fails them ever leaves the system.

- `noegletal`: the key-figure cube for the period, every area, discretion applied.
- `vh_datamart`: the benchmark datamart for the period, every kommune, discretion applied.
- `vh_individ`: the kommune's own harmonised VH lines (interpreted handlekommune) with their
  annotations.
- `vh_regelrapport`: the harmoniseringsregelrapport's citizens per rule (kommune-specific).
- `vh_hand07_benchmark`: the kommune's rows of the benchmark against HAND07 (discretion applied).
- `noegletal` also holds the linked figures' four populations (`noegletal_populationer`).
- `skole_individ`, `udsatte_individ`: the kommune's own pupils and measures, one area each.
"""

import hashlib
import io
import itertools
import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import dagster as dg
import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from dagster_duckdb import DuckDBResource

from flis_assets import partitions, settings
from flis_assets.defs.noegletal.benchmark_diskretion import RAEKKER_SQL
from flis_assets.defs.noegletal.diskretion import MIN_INDIVIDER
from flis_assets.resources import (
    create_tables_like,
    ensure_schemas,
    query_pl,
    registreret,
    replace_periods,
    replace_windows,
)

MAANEDER = "SELECT unnest(generate_series($fra::DATE, $til::DATE, INTERVAL 1 MONTH))::DATE AS periode"

# Without reference/abonnementer.csv every kommune in the data subscribes to every package.
ABONNENTER_SQL = f"""
WITH pakker AS (SELECT unnest($pakker) AS pakke),
i_data AS (
    SELECT DISTINCT periode, handlekommune AS kommunekode FROM harmoniseret.vh_ydelser WHERE periode BETWEEN $fra AND $til
    UNION SELECT DISTINCT periode, kommunekode FROM datamart.befolkning WHERE periode BETWEEN $fra AND $til
)
SELECT m.periode, a.kommunekode, a.pakke FROM ({MAANEDER}) m, referencedata.abonnementer a
UNION ALL
SELECT i.periode, i.kommunekode, p.pakke FROM i_data i, pakker p
WHERE NOT EXISTS (SELECT 1 FROM referencedata.abonnementer)
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
SELECT y.handlekommune AS modtager, y.* EXCLUDE (kommunekode), y.kommunekode AS leverandoer, o.opmaerkninger
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

UDSATTE_INDIVID_SQL = """
SELECT periode, handlekommune AS modtager, * EXCLUDE (periode) FROM harmoniseret.udsatte_foranstaltninger
WHERE periode BETWEEN $fra AND $til
"""

REGELRAPPORT_SQL = """
SELECT periode, handlekommune AS modtager, handlekommune, regel, dst_handling, cpr,
    count(*) AS antal_linjer
FROM harmoniseret.vh_opmaerkninger WHERE periode BETWEEN $fra AND $til GROUP BY ALL
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
}
PER_MODTAGER = {"vh_individ", "vh_regelrapport", "vh_hand07_benchmark", "skole_individ", "udsatte_individ"}  # the rest is the same for every kommune
ORDER = {"noegletal": "niveau, omraade, noegletal_id", "vh_datamart": "handlekommune, ydelseskode",
         "vh_individ": "leverandoer, fagsystem, ydelse_id", "vh_regelrapport": "regel, cpr",
         "vh_hand07_benchmark": "kvartal, ydelseskode",
         "noegletal_populationer": "niveau, omraade, noegletal_id, population",
         "skole_individ": "kommunekode, cpr, skolekode", "udsatte_individ": "kommunekode, foranstaltning_id"}


def build_indhold(con: duckdb.DuckDBPyConnection, months: list[date]) -> dict[str, int]:
    ensure_schemas(con)
    create_tables_like(con, SELECTS, {"pakker": list(PAKKER)})  # tables take the shape of their query
    return replace_periods(con, SELECTS, months, {"pakker": list(PAKKER)})


def _empty(con: duckdb.DuckDBPyConnection, pakke: str) -> pl.DataFrame:
    """A package with no rows for this kommune: its columns, no rows."""
    return query_pl(con, f"SELECT * EXCLUDE (periode, modtager) FROM datapakker.{pakke} LIMIT 0")


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


def _write_kommune(root, p: date, kommune: int, pakker: list[str], own: dict, shared: dict, empty: dict) -> list[tuple]:
    """One kommune's package folder for period `p`; its rows for `datapakker.filer`."""
    folder = root / f"{kommune:03d}" / f"{p:%Y-%m}"
    if folder.exists():
        shutil.rmtree(folder)  # a re-run replaces the period's package whole
    folder.mkdir(parents=True)
    manifest, written = [], []
    for pakke in pakker:
        for t in PAKKER[pakke]:
            if pakke not in PER_MODTAGER:
                content = shared[t]
            elif kommune in own[t]:
                content = _files(own[t][kommune])  # encoded on the pool: pyarrow releases the GIL
            else:
                content = empty[t]
            for ext, (data, digest, rows) in content.items():
                (folder / f"{t}.{ext}").write_bytes(data)
                manifest.append({"fil": f"{t}.{ext}", "pakke": pakke, "raekker": rows, "sha256": digest})
                written.append((p, kommune, pakke, f"datapakker/{kommune:03d}/{p:%Y-%m}/{t}.{ext}", rows, digest))
    (folder / "manifest.json").write_text(json.dumps(
        {"kommunekode": f"{kommune:03d}", "periode": f"{p:%Y-%m}", "filer": manifest},
        indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return written


def _per_modtager(frame: pl.DataFrame) -> dict[int, Part]:
    """Each kommune's rows of a package sorted by `modtager`."""
    runs = frame["modtager"].rle().struct.unnest()
    return dict(zip(runs["value"], _parts(frame.drop("modtager"), runs["len"].to_list())))


def write_files(con: duckdb.DuckDBPyConnection, months: list[date]) -> int:
    con.execute("""CREATE TABLE IF NOT EXISTS datapakker.filer (
        periode DATE NOT NULL, kommunekode INTEGER NOT NULL, pakke VARCHAR NOT NULL, fil VARCHAR NOT NULL,
        raekker BIGINT NOT NULL, sha256 VARCHAR NOT NULL)""")
    root = settings.data_dir() / "datapakker"
    written = []
    empty = {t: _content(_empty(con, t)) for t in PER_MODTAGER}
    # DuckDB reads and the CSV, a table at a time, run on this thread while the pool encodes the
    # Parquet files and writes the previous period's folders (pyarrow, hashlib and file I/O release
    # the GIL): a backfill writes ~235 k files.
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        pending = []
        for p in months:
            subs = query_pl(con, "SELECT kommunekode, pakke FROM datapakker.abonnenter WHERE periode = ? "
                                 "ORDER BY ALL", [p])
            shared = {
                t: _content(query_pl(con, f"SELECT * EXCLUDE (periode) FROM datapakker.{t} WHERE periode = ? "
                                          f"ORDER BY {ORDER[t]}", [p]))
                for pakke, tabeller in PAKKER.items() if pakke not in PER_MODTAGER for t in tabeller
            }
            own = {pakke: _per_modtager(query_pl(con, f"SELECT * EXCLUDE (periode) FROM datapakker.{pakke} "
                                                      f"WHERE periode = ? ORDER BY modtager, {ORDER[pakke]}", [p]))
                   for pakke in PER_MODTAGER}  # one query per package and period
            for f in pending:  # one period in flight at a time
                written += f.result()
            pending = [pool.submit(_write_kommune, root, p, kommune, pakker, own, shared, empty)
                       for kommune, pakker in subs.group_by("kommunekode", maintain_order=True).agg("pakke").rows()]
        for f in pending:
            written += f.result()
    frame = pl.DataFrame(written, schema=["periode", "kommunekode", "pakke", "fil", "raekker", "sha256"], orient="row")
    with registreret(con, "skrevne_filer", frame):
        replace_windows(con, {"datapakker.filer": "SELECT * FROM skrevne_filer"}, "periode", min(months),
                        partitions.add_months(max(months), 1))
    return len(written)


KW = dict(**partitions.MAANEDLIG, group_name="datapakker", kinds={"duckdb"})


@dg.asset(
    key=["datapakker", "indhold"],
    deps=[dg.AssetKey(["noegletal", "kube"]), dg.AssetKey(["noegletal", "vh_benchmark_diskretion"]),
          dg.AssetKey(["datamart", "vh_benchmark"]), dg.AssetKey(["harmoniseret", "vh_ydelser"]), dg.AssetKey(["harmoniseret", "vh_opmaerkninger"]),
          dg.AssetKey(["noegletal", "koblede_populationer"]), dg.AssetKey(["harmoniseret", "skole_elever"]),
          dg.AssetKey(["harmoniseret", "udsatte_foranstaltninger"]), dg.AssetKey(["referencedata", "abonnementer"])],
    description="Indholdet af hver datapakke pr. periode (tabeller i skemaet datapakker), før det forlader FLIS.",
    **KW,
)
def indhold(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        counts = build_indhold(con, partitions.window_months(context))
    return dg.MaterializeResult(metadata={t: n for t, n in counts.items()})


@dg.asset(
    key=["datapakker", "filer"],
    deps=[indhold],
    description="Datapakkerne som filer under $FLIS_DATA_DIR/datapakker/<kommunekode>/<ÅÅÅÅ-MM>/: Parquet og "
    "CSV (semikolon, UTF-8 med BOM, decimalkomma) med manifest.json.",
    metadata={"dagster/table_name": "datapakker.filer"},
    **KW,
)
def filer(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        n = write_files(con, partitions.window_months(context))
    return dg.MaterializeResult(metadata={"filer_skrevet": n})
