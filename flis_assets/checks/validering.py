"""The validation table: every failing key of every check and month, readable in DuckDB.

Check metadata shows at most `MAX_SHOWN` keys; the steward finds the whole list here. Each
evaluation replaces its (check, month) rows, so a re-run never duplicates and a month that now
passes has none. Keys never hold a CPR number: a key column whose name holds "cpr" is dropped.
"""

from datetime import date

import duckdb
import polars as pl

TABEL = "validering.fejl"
KOMMUNE_KOLONNER = ("kommunekode", "handlekommune")  # a key column naming the kommune a line belongs to

OPRET = f"""
CREATE SCHEMA IF NOT EXISTS validering;
CREATE TABLE IF NOT EXISTS {TABEL} (
    tjek VARCHAR NOT NULL,        -- asset/sti:check
    maaned DATE NOT NULL,
    regel VARCHAR,
    kommunekode INTEGER,          -- the key's kommunekode or handlekommune, when it has one
    noegle VARCHAR,               -- the business key as JSON (without CPR numbers)
    koersel VARCHAR,              -- Dagster run id of the evaluation
    registreret TIMESTAMP DEFAULT current_timestamp
)"""
SLET = f"DELETE FROM {TABEL} WHERE tjek = $tjek AND maaned = ANY($maaneder)"
INDSAET = f"""INSERT INTO {TABEL} (tjek, maaned, regel, kommunekode, noegle, koersel)
              SELECT $tjek, maaned, regel, kommunekode, noegle, $koersel FROM _nye_fejl"""
KOMMUNENAVNE = "SELECT kommunekode, kommunenavn FROM kodelister.kommuner"


def sql_eksempel(tjek: str, maaned: date) -> str:
    """What the steward runs for the whole list (shown in the check's metadata)."""
    return (f"SELECT maaned, regel, kommunekode, noegle FROM {TABEL}\n"
            f"WHERE tjek = '{tjek}' AND maaned = DATE '{maaned:%Y-%m-%d}'\nORDER BY kommunekode, regel")


def uden_cpr(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.drop([c for c in frame.columns if "cpr" in c.lower()])


def raekker(fejl: pl.DataFrame) -> pl.DataFrame:
    """`fejl` (keys + `regel` + `maaned`) as rows of the table: the kommune beside the key as JSON."""
    fejl = uden_cpr(fejl)
    keys = [c for c in fejl.columns if c not in ("regel", "maaned")]
    kommune = next((c for c in KOMMUNE_KOLONNER if c in keys), None)
    return fejl.select(
        pl.col("maaned").cast(pl.Date),
        pl.col("regel").cast(pl.String),
        (pl.col(kommune).cast(pl.String).str.strip_chars().cast(pl.Int32, strict=False) if kommune
         else pl.lit(None, pl.Int32)).alias("kommunekode"),
        (pl.struct([pl.col(k).cast(pl.String) for k in keys]).struct.json_encode() if keys
         else pl.lit(None, pl.String)).alias("noegle"),
    )


def erstat(con: duckdb.DuckDBPyConnection, tjek: str, maaneder: list[date], fejl: pl.DataFrame | None,
           koersel: str) -> None:
    """Replace `tjek`'s rows of `maaneder` by `fejl` (None: no failing keys), in one transaction."""
    nye = raekker(fejl) if fejl is not None and fejl.height else None
    con.execute("BEGIN")
    try:
        con.execute(OPRET)
        con.execute(SLET, {"tjek": tjek, "maaneder": maaneder})
        if nye is not None:
            con.register("_nye_fejl", nye)
            try:
                con.execute(INDSAET, {"tjek": tjek, "koersel": koersel})
            finally:
                con.unregister("_nye_fejl")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def med_kommunenavne(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with `kommunenavn` right after its kommune column, when it has one and the code list
    is loaded."""
    kommune = next((c for c in KOMMUNE_KOLONNER if c in frame.columns), None)
    if kommune is None or "kommunenavn" in frame.columns:  # none, or the check named them itself
        return frame
    try:
        navne = con.sql(KOMMUNENAVNE).pl()
    except duckdb.CatalogException:  # kodelister not loaded (a check run on a bare database)
        return frame
    kode = pl.col(kommune).cast(pl.String).str.strip_chars().cast(pl.Int32, strict=False)
    navne = navne.select(pl.col("kommunekode").cast(pl.Int32).alias("_kode"), "kommunenavn")
    joined = frame.with_columns(kode.alias("_kode")).join(navne, on="_kode", how="left", maintain_order="left")
    cols = frame.columns
    i = cols.index(kommune) + 1
    return joined.select(*cols[:i], "kommunenavn", *cols[i:])
