"""datapakker: what each subscribing kommune receives, per period (outputs.md).

The packages are the catalogue's (`katalog.py`): the platform's own (`noegletal`, `datavalidering`)
and every data area's (`Omraade.pakker`); this module names no area. `datapakker/indhold` puts
every package table's content in DuckDB (`datapakker.<tabel>`, with the subscribers in
`datapakker.abonnenter`); the blocking checks on it (own rows only, discretion, known kommuner;
`checks.py`) are judged again per period by `datapakker/filer`, which writes only the periods that
pass, so nothing that fails them ever leaves the system, and one bad month does not hold back the
others. Each folder is replaced whole (`mapper.py`), and the same content always gives the same
bytes (`DECIMALER`, a total row order).
"""

import hashlib
import io
import itertools
import json
import os
from collections.abc import Iterator, Sequence
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
from flis_assets.defs.datapakker import katalog, mapper
from flis_assets.defs.datapakker.checks import afviste_perioder
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
INGEN_KOMMUNER = "SELECT NULL::DATE AS periode, NULL::INTEGER AS kommunekode WHERE false"


def abonnenter_sql(pakker: Sequence[katalog.Pakke]) -> str:
    """Without reference/abonnementer.csv every kommune that some package says has data in the period
    (`Pakke.kommuner_i_data`) subscribes to every package not `kun_med_abonnement`. Only kommuner
    of kodelister/kommuner.csv ever subscribe: a line with an unknown handlekommune makes no package
    (the blocking check `kun_kendte_kommuner` names the code where a package shows it)."""
    i_data = "\nUNION\n".join(f"SELECT periode, kommunekode FROM ({p.kommuner_i_data})"
                               for p in pakker if p.kommuner_i_data) or INGEN_KOMMUNER
    return f"""
WITH pakker AS (SELECT unnest($pakker) AS pakke),
i_data AS ({i_data}),
abonnenter AS (
    SELECT m.periode, a.kommunekode, a.pakke FROM ({MAANEDER}) m, referencedata.abonnementer a
    UNION ALL
    SELECT i.periode, i.kommunekode, p.pakke FROM i_data i, pakker p
    WHERE NOT EXISTS (SELECT 1 FROM referencedata.abonnementer)
)
SELECT * FROM abonnenter WHERE kommunekode IN (SELECT kommunekode FROM kodelister.kommuner)
"""


def selects(pakker: Sequence[katalog.Pakke]) -> dict[str, str]:
    """Each table of `datapakker` by its SELECT: the subscribers, then every package's tables."""
    return {"datapakker.abonnenter": abonnenter_sql(pakker),
            **{f"datapakker.{t.navn}": t.sql for t in katalog.tabeller(pakker)}}


def build_indhold(con: duckdb.DuckDBPyConnection, months: list[date]) -> dict[str, int]:
    pakker = katalog.pakker()
    ensure_schemas(con)
    con.execute(validering.OPRET)  # empty until a check has failed
    standard = {"pakker": [p.navn for p in pakker if not p.kun_med_abonnement]}
    tabeller = selects(pakker)
    create_tables_like(con, tabeller, standard)  # tables take the shape of their query
    _tjek_kolonner(con, pakker)
    return replace_periods(con, tabeller, months, standard)


def _tjek_kolonner(con: duckdb.DuckDBPyConnection, pakker: Sequence[katalog.Pakke]) -> None:
    """Each table has the columns its declaration names: `periode`, its order, and for a
    per-recipient table `modtager` and its `ejere`."""
    for p in pakker:
        for t in p.tabeller:
            har = set(con.sql(f"SELECT * FROM datapakker.{t.navn} LIMIT 0").columns)
            skal = ["periode", *(k.strip() for k in t.orden.split(",")),
                    *(("modtager", *t.ejere) if t.per_modtager else ())]
            if mangler := [k for k in skal if k not in har]:
                raise katalog.Katalogfejl(f"Tabellen {t.navn} i datapakken {p.navn} (erklæret af {p.omraade}) mangler "
                                          f"kolonnerne {', '.join(mangler)}; den har {', '.join(sorted(har))}")


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


def _write_kommune(root: Path, p: date, kommune: int, pakker: list[katalog.Pakke], own: dict, shared: dict,
                   empty: dict, kendte: frozenset[int]) -> tuple[Path, Path, list[tuple]]:
    """One kommune's package for period `p` in a temporary sibling of its folder (manifest last):
    (folder, temporary folder, its rows for `datapakker.filer`)."""
    if kommune not in kendte:  # the subscribers are filtered already: this is the last guard
        raise UkendtKommune(f"Kommunekoden {kommune} findes ikke i kodelisten kommuner.csv: "
                            f"ingen datapakke skrives til den ({p:%Y-%m})")
    folder = root / f"{kommune:03d}" / f"{p:%Y-%m}"
    files, manifest, written = [], [], []
    for pakke in pakker:
        for tabel in pakke.tabeller:
            t = tabel.navn
            if not tabel.per_modtager:
                content = shared[t]
            elif kommune in own[t]:
                content = _files(own[t][kommune])  # encoded on the pool: pyarrow releases the GIL
            else:
                content = empty[t]
            for ext, (data, digest, rows) in content.items():
                files.append((f"{t}.{ext}", data))
                manifest.append({"fil": f"{t}.{ext}", "pakke": pakke.navn, "raekker": rows, "sha256": digest})
                written.append((p, kommune, pakke.navn, f"datapakker/{kommune:03d}/{p:%Y-%m}/{t}.{ext}", rows, digest))
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
    pakker = {p.navn: p for p in katalog.pakker()}
    tabeller = katalog.tabeller(list(pakker.values()))
    empty = {t.navn: _content(_fetch(con, f"SELECT * EXCLUDE (periode, modtager) FROM datapakker.{t.navn} LIMIT 0"))
             for t in tabeller if t.per_modtager}
    # DuckDB reads and the CSV, a table at a time, run on this thread while the pool encodes the
    # Parquet files and writes the previous period's folders (pyarrow, hashlib and file I/O release
    # the GIL): a backfill writes ~235 k files.
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        pending = None
        for p in months:
            subs = query_pl(con, "SELECT kommunekode, pakke FROM datapakker.abonnenter WHERE periode = ? "
                                 "ORDER BY ALL", [p])
            shared = {
                t.navn: _content(_fetch(con, f"SELECT * EXCLUDE (periode) FROM datapakker.{t.navn} WHERE periode = ? "
                                             f"ORDER BY {_ordered(con, t.navn, t.orden)}", [p]))
                for t in tabeller if not t.per_modtager
            }
            own = {t.navn: _per_modtager(_fetch(con, f"SELECT * EXCLUDE (periode) FROM datapakker.{t.navn} WHERE "
                                                     f"periode = ? ORDER BY {_ordered(con, t.navn, 'modtager, ' + t.orden)}",
                                                [p]))
                   for t in tabeller if t.per_modtager}  # one query per table and period
            if pending:  # one period in flight at a time
                yield _put_in_place(con, root, *pending)
            pending = p, [pool.submit(_write_kommune, root, p, kommune, [_abonneret(pakker, n) for n in navne],
                                      own, shared, empty, kendte)
                          for kommune, navne in subs.group_by("kommunekode", maintain_order=True).agg("pakke").rows()]
        if pending:
            yield _put_in_place(con, root, *pending)


def _abonneret(pakker: dict[str, katalog.Pakke], navn: str) -> katalog.Pakke:
    if navn not in pakker:
        raise katalog.Katalogfejl(f"reference/abonnementer.csv nævner datapakken {navn}, som ikke findes; kendte "
                                  f"datapakker: {', '.join(sorted(pakker))}")
    return pakker[navn]


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
KATALOG = katalog.pakker()  # as the definitions are built: what `indhold` reads and lists


@dg.asset(
    key=["datapakker", "indhold"],
    # what the catalogue's packages read, and the subscriptions
    deps=[*katalog.laeser(KATALOG), dg.AssetKey(["referencedata", "abonnementer"]),
          dg.AssetKey(["referencedata", "kodelister"])],
    description="Indholdet af hver datapakke pr. periode (tabeller i skemaet datapakker), før det forlader FLIS.\n\n"
    + "\n".join(f"- `{p.navn}` ({p.omraade}{', kun med abonnement' if p.kun_med_abonnement else ''}): {p.beskrivelse}"
                for p in KATALOG),
    **KW,
)
def indhold(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        months = partitions.window_months(context)
        counts = build_indhold(con, months)
        # one asset over several tables: a column per table in the rows per period
        tabel, _ = maanedstabel(con, {t: t.split(".")[1] for t in counts}, "periode", months)
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
