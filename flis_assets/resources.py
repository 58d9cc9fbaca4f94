"""DuckDB access: one resource, and the one way a partition window is replaced.

Keeping "replace this window with this SELECT" in one function keeps the SQL portable: moving
to MotherDuck or Parquet-per-month means changing this module, not the assets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import dagster as dg
import duckdb
import polars as pl
import pyarrow as pa
from dagster_duckdb import DuckDBResource

from flis_assets import kodelister, partitions, settings

T = TypeVar("T")
R = TypeVar("R")

SCHEMAS = ("raadata", "dsa", "referencedata", "kodelister", "harmoniseret", "datamart", "noegletal", "datapakker", "rapporter")


def duckdb_resource() -> DuckDBResource:
    settings.duckdb_path().parent.mkdir(parents=True, exist_ok=True)
    return DuckDBResource(
        database=str(settings.duckdb_path()),
        connection_config={
            "memory_limit": settings.duckdb_memory_limit(),
            # rådata keeps each file's lines in file order, as delivered
            "preserve_insertion_order": True,
            # A stock joins rådata on its files' few load months (`linjer_join`); up to this many
            # join keys DuckDB pushes them into the scan as an IN filter, so its zonemaps skip the
            # months between (the default 50 degrades to a min/max range: a Voksenhandicap stock
            # with a rule-2 file from years ago then scans all of rådata in between).
            "dynamic_or_filter_threshold": 256,
            # A checkpoint costs ~0.3-0.8 s however little changed, and with the default 16MB WAL
            # each month or two of DSA replacements paid one. Load months 2013-07..2016-12 at
            # --scale 0.1, interleaved: 166.7 and 186.3 s with 16MB, 161.0 and 166.8 s with 1GB,
            # for ~1.1 GiB more peak RSS.
            "checkpoint_threshold": "1GB",
        },
    )


@contextmanager
def holdt_aaben() -> Iterator[None]:
    """Keep the database open across the in-process runs of one `flis materialize`: each step's
    connection then joins this one, and DuckDB checkpoints when its WAL is full, not each time a
    step closes the last connection (a backfill has ~1,600 steps)."""
    with duckdb_resource().get_connection():
        yield


def arrow(frame: pl.DataFrame) -> pa.Table:
    """A polars frame as Arrow for DuckDB, without a copy: DuckDB reads polars' string views, which
    `to_arrow()`'s default (large strings, for older readers) converts, ~0.5 s per national CPR month."""
    return frame.to_arrow(compat_level=pl.CompatLevel.newest())


@contextmanager
def registreret(con: duckdb.DuckDBPyConnection, navn: str, tabel) -> Iterator[None]:
    """A Python-side table (Arrow, polars) visible to SQL as `navn` for the duration."""
    con.register(navn, tabel)
    try:
        yield
    finally:
        con.unregister(navn)


def read_ahead(con: duckdb.DuckDBPyConnection, items: Sequence[T], fetch: Callable[[duckdb.DuckDBPyConnection, T, R | None], R]
               ) -> Iterator[tuple[T, R]]:
    """(item, fetch(cursor, item, previous result)) for each item in order, the next one fetched on
    a second thread and its own cursor while the caller works on this one: DuckDB writes, and much
    of a check, run on one core, so the other would sit idle."""
    with con.cursor() as cursor, ThreadPoolExecutor(1) as pool:
        pending = pool.submit(fetch, cursor, items[0], None) if items else None
        for i, item in enumerate(items):
            result = pending.result()
            if i + 1 < len(items):
                pending = pool.submit(fetch, cursor, items[i + 1], result)
            yield item, result


@dataclass(frozen=True)
class Tilstand:
    """What a month's SQL reads of the months before it (a temp table), built once for a run's first
    month and brought forward after each month, where rebuilding it from the whole history every
    month would cost more. Months go in order, on one connection."""

    opret: Callable[[duckdb.DuckDBPyConnection, date], None]  # as it is before month `date`
    frem: Callable[[duckdb.DuckDBPyConnection, date], None]  # past month `date`, once that is stored

    def hver_maaned(self, con: duckdb.DuckDBPyConnection, maaneder: Sequence[date],
                    gem: Callable[[duckdb.DuckDBPyConnection, date], R]) -> list[R]:
        """`gem(con, m)` for each month in order, the state as it is before each; their results."""
        out = []
        for i, m in enumerate(maaneder):
            if i == 0:
                self.opret(con, m)
            out.append(gem(con, m))
            self.frem(con, m)
        return out


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    for s in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {s}")


def load_kodelister(con: duckdb.DuckDBPyConnection) -> None:
    """The code lists as tables in schema `kodelister`, so SQL joins them instead of hard-coding."""
    ensure_schemas(con)
    for name in kodelister.names():
        frame = kodelister.load(name)  # noqa: F841 - read by DuckDB's replacement scan
        con.execute(f"CREATE OR REPLACE TABLE kodelister.{name} AS SELECT * FROM frame")


def replace_window(
    con: duckdb.DuckDBPyConnection,
    table: str,
    column: str,
    start: date,
    end: date,
    select_sql: str,
    params: Sequence[object] | Mapping[str, object] = (),
) -> int:
    """Replace the rows of `table` with `start <= column < end` by `select_sql`, in one transaction.

    The table must exist. Returns the number of rows inserted.
    """
    return replace_windows(con, {table: select_sql}, column, start, end, params)[table]


def replace_windows(
    con: duckdb.DuckDBPyConnection,
    selects: Mapping[str, str],
    column: str,
    start: date,
    end: date,
    params: Sequence[object] | Mapping[str, object] = (),
) -> dict[str, int]:
    """`replace_window` for several tables at once, all in one transaction."""
    counts = {}
    con.execute("BEGIN TRANSACTION")
    try:
        for table, select_sql in selects.items():
            con.execute(f"DELETE FROM {table} WHERE {column} >= ? AND {column} < ?", [start, end])
            con.execute(f"INSERT INTO {table} BY NAME {select_sql}", used_params(params, select_sql))
            counts[table] = con.execute(
                f"SELECT count(*) FROM {table} WHERE {column} >= ? AND {column} < ?", [start, end]
            ).fetchone()[0]
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return counts


def create_tables_like(con: duckdb.DuckDBPyConnection, selects: Mapping[str, str], params=None) -> None:
    """Each table, if missing, with the columns its SELECT gives (parameters $fra/$til and `params`).
    A column the SELECT has gained since the table was made (a warehouse from an earlier version)
    is added, NULL in the rows already there: else every later insert of the table fails."""
    for table, sql in selects.items():
        p = used_params({"fra": partitions.START, "til": partitions.START, **(params or {})}, sql)
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM ({sql}) WHERE false", p)
        har = set(con.sql(f"SELECT * FROM {table} LIMIT 0").columns)
        for navn, typ, *_ in con.execute(f"DESCRIBE SELECT * FROM ({sql}) WHERE false", p).fetchall():
            if navn not in har:
                con.execute(f'ALTER TABLE {table} ADD COLUMN "{navn}" {typ}')


def replace_periods(
    con: duckdb.DuckDBPyConnection, selects: Mapping[str, str], months: list[date], params=None
) -> dict[str, int]:
    """Replace the statistical periods `months` of each table by its SELECT ($fra, $til and
    `params`), one calendar year per transaction. Returns the rows inserted per table."""
    counts: dict[str, int] = {}
    for fra, til in partitions.per_year(months):
        got = replace_windows(con, selects, "periode", fra, partitions.add_months(til, 1),
                              {"fra": fra, "til": til, **(params or {})})
        for table, n in got.items():
            counts[table] = counts.get(table, 0) + n
    return counts


# What a window's partition column is called where a steward reads it (issue 16): the two axes share keys.
AKSE = {"indlaesningsmaaned": partitions.INDLAESNINGSMAANED, "periode": partitions.STATISTISK_PERIODE}


def tabel_metadata(con: duckdb.DuckDBPyConnection, table: str, column: str, months: Sequence[date]) -> dict[str, object]:
    """What a materialisation of `table` shows in the Dagster UI: Dagster's standard table keys
    (name, column schema, rows in the whole table and in the run's window) and the rows per month of
    the window as a table with its total, so a steward sees a month that came out empty."""
    tabel, i_vinduet = maanedstabel(con, {table: "Rækker"}, column, months)
    return {  # the keys of Dagster's TableMetadataSet (not exported by `dagster` in 1.13)
        "dagster/table_name": table,
        "dagster/column_schema": kolonneskema(con, table),
        "dagster/row_count": con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0],
        "dagster/partition_row_count": i_vinduet[table],
        "flis/partitionsakse": AKSE.get(column, column),
        "raekker_pr_maaned": tabel,
    }


def maanedstabel(con: duckdb.DuckDBPyConnection, tables: Mapping[str, str], column: str, months: Sequence[date]
                 ) -> tuple[dg.MetadataValue, dict[str, int]]:
    """The rows of each table (a column headed by its value in `tables`) per month of the window, with
    a total row, as markdown; and each table's rows in the window."""
    fra, til = (min(months), partitions.add_months(max(months), 1)) if months else (partitions.START, partitions.START)
    pr_maaned = {t: dict(con.execute(
        f"SELECT {column}::DATE, count(*) FROM {t} WHERE {column} >= ? AND {column} < ? GROUP BY 1", [fra, til]).fetchall())
        for t in tables}
    i_vinduet = {t: sum(pr_maaned[t].get(m, 0) for m in months) for t in tables}

    def tal(n: int) -> str:
        return f"{n:,}".replace(",", ".")  # Danish thousands separator

    def linje(celler) -> str:
        return "| " + " | ".join(celler) + " |"

    return dg.MetadataValue.md("\n".join([
        linje([AKSE.get(column, column).capitalize(), *tables.values()]),
        linje(["---", *("---:" for _ in tables)]),
        *(linje([f"{m:%Y-%m}", *(tal(pr_maaned[t].get(m, 0)) for t in tables)]) for m in months),
        linje(["**I alt**", *(f"**{tal(i_vinduet[t])}**" for t in tables)]),
    ])), i_vinduet


def kolonneskema(con: duckdb.DuckDBPyConnection, table: str) -> dg.TableSchema:
    """A table's columns and DuckDB types, as Dagster shows them (`dagster/column_schema`)."""
    return dg.TableSchema(columns=[
        dg.TableColumn(name, type_) for name, type_, *_ in con.execute(f"DESCRIBE {table}").fetchall()])


def perioder_metadata(con: duckdb.DuckDBPyConnection, tables, months: Sequence[date]) -> dict[str, dict[str, object]]:
    """`tabel_metadata` of each period-layer table, by table name."""
    return {t: tabel_metadata(con, t, "periode", months) for t in tables}


def used_params(params, sql: str):
    """DuckDB refuses named parameters a statement does not use: pass each only its own."""
    if isinstance(params, Mapping):
        return {k: v for k, v in params.items() if f"${k}" in sql}
    return list(params)


def query_pl(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> pl.DataFrame:
    """A query's result as a polars frame (a relation, not a DB-API result, avoids a copy)."""
    return con.sql(sql, params=params if params is not None else []).pl()
