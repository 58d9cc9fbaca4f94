"""A small in-memory warehouse for `noegletal.kube.cube`: the code lists and the tables the cube
reads, filled from per-kommune numbers, so a data shape (VH without Økonomi, a lone kommune with
data, ...) runs through the cube's real SQL and discretion in well under a second."""

from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from flis_assets.defs.dsa import common
from flis_assets.defs.noegletal import kube
from flis_assets.defs.noegletal.checks import kube_med_kendte_sql
from flis_assets.omraader.aeldre import harmoniseret as aeldre_harmoniseret
from flis_assets.omraader.borger import datamart as borger_datamart
from flis_assets.omraader.oekonomi import datamart as oekonomi_datamart
from flis_assets.omraader.skole import harmoniseret as skole_harmoniseret
from flis_assets.omraader.udsatte import harmoniseret as udsatte_harmoniseret
from flis_assets.omraader.voksenhandicap import benchmark_diskretion
from flis_assets.omraader.voksenhandicap import datamart as vh_datamart_modul
from flis_assets.omraader.voksenhandicap import harmoniseret as vh_harmoniseret
from flis_assets.omraader.voksenhandicap.referencedata import read_godkendte
from flis_assets.resources import create_tables_like, load_kodelister

# Every table the cube reads, from its area's own definition (a column an area adds is here too):
# the areas with DDL give their statements, the period tables take the shape of their SELECT.
DDL = [*vh_datamart_modul.DDL, vh_harmoniseret.YDELSER_DDL, aeldre_harmoniseret.INDSATSER_DDL,
       aeldre_harmoniseret.HJEMMEHJAELP_DDL]
SELECTS = {
    "harmoniseret.skole_elever": skole_harmoniseret.ELEVER_SQL,
    "harmoniseret.udsatte_foranstaltninger": udsatte_harmoniseret.FORANSTALTNINGER_SQL,
    "datamart.befolkning": borger_datamart.BEFOLKNING_SQL,
    "datamart.oekonomi_regnskab": oekonomi_datamart.REGNSKAB_SQL,  # no kommune has accounts here
}
# DST's approval lists as the reader gives them without a file: empty, with the reader's columns.
GODKENDTE = read_godkendte(Path(__file__).parent / "ingen_godkendte")


def opret_tabeller(con: duckdb.DuckDBPyConnection) -> None:
    load_kodelister(con)
    common.ensure_all(con)  # the DSA tables the period tables' SELECTs read (empty)
    for ddl in DDL:
        con.execute(ddl)
    create_tables_like(con, SELECTS)
    con.register("godkendte", GODKENDTE)
    con.execute("CREATE TABLE referencedata.godkendte_kommuner AS SELECT * FROM godkendte")
    con.unregister("godkendte")


# One period's data: (kommunekode, ydelseskode) -> recipients (each a full month, or with their
# full-time recipients: (recipients, helaarsmodtagere)) or expenses, and kommunekode -> residents aged 18-64.
Periode = tuple[dict[tuple[int, str], int | tuple[int, float]], dict[tuple[int, str], float], dict[int, int]]


def _modtagere(v: int | tuple[int, float]) -> tuple[int, float]:
    return v if isinstance(v, tuple) else (v, float(v))


def lager(perioder: dict[date, Periode], threads: int = 1, omvendt: bool = False) -> duckdb.DuckDBPyConnection:
    """The warehouse; `omvendt` inserts every table's rows in reverse order (same data, other order)."""
    con = duckdb.connect(config={"threads": threads})
    opret_tabeller(con)
    for periode, (modtagere, udgifter, befolkning) in perioder.items():
        orden = (lambda xs: xs[::-1]) if omvendt else list
        modtagere = {ky: _modtagere(v) for ky, v in orden(list(modtagere.items()))}
        udgifter = dict(orden(list(udgifter.items())))
        linjer = [(periode, k, f"{k:03d}{y}{i:04d}", y) for (k, y), (n, _) in modtagere.items() for i in range(n)]
        if linjer:
            con.executemany("""INSERT INTO harmoniseret.vh_ydelser (periode, kommunekode, fagsystem, ydelse_id, cpr,
                handlekommune, betalingskommune, handlekommune_leveret, ydelseskode, godkendt_dst, dage_i_periode,
                slettes_af_dst, indlaesningsmaaned)
                SELECT $1, $2, 'X', $3, $3, $2, $2, $2, $4, 'Ja', day(last_day($1)), false, $1""", linjer)
        rows = [(periode, k, y, n, h) for (k, y), (n, h) in modtagere.items() if n]
        if rows:
            con.executemany("INSERT INTO datamart.vh_benchmark VALUES (?, ?, ?, ?, ?, 'Ja')", rows)
        if udgifter:
            con.executemany("INSERT INTO datamart.vh_udgifter VALUES (?, ?, ?, ?)",
                            [(periode, k, y, v) for (k, y), v in udgifter.items()])
        if befolkning:
            con.executemany("INSERT INTO datamart.befolkning VALUES (?, ?, ?, ?, ?)",  # n aged 18-64, n older
                            [(periode, k, koen, alder, n) for k, n in befolkning.items()
                             for koen, alder in (("K", 40), ("M", 70))])
    return con


def koer(con: duckdb.DuckDBPyConnection, fra: date, til: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The cube and its withheld benchmark rows, as `kube.build` computes them."""
    kube.koblede.create_levels(con, fra, til)
    cube, tabeller = kube.cube(con, fra, til)
    return cube, tabeller[benchmark_diskretion.TABEL]


def vh_datamart(con: duckdb.DuckDBPyConnection, periode: date, raekker: pl.DataFrame) -> pl.DataFrame:
    """One period's benchmark rows as the package publishes them: withheld numbers NULL, with reason."""
    alle = kube.query_pl(con, benchmark_diskretion.RAEKKER_SQL, {"fra": periode, "til": periode})
    skjult = pl.col("diskretion_aarsag").is_not_null()
    return (alle.join(raekker.filter(pl.col("periode") == periode), on=["periode", "handlekommune", "ydelseskode"],
                      how="left")
            .with_columns(*(pl.when(skjult).then(None).otherwise(pl.col(c)).alias(c)
                            for c in ("helaarsmodtagere", "unikke_modtagere")), diskretioneret=skjult))


def tomme_raekker(con: duckdb.DuckDBPyConnection, periode: date) -> set[tuple[str, str]]:
    """The benchmark rows (kommune, ydelse) of a period's kommuner without VH data: an outsider knows them empty."""
    alle = kube.query_pl(con, benchmark_diskretion.RAEKKER_SQL, {"fra": periode, "til": periode})
    vh = kube.maal.alle()[benchmark_diskretion.HELAARSMODTAGERE].med_data("$fra", "$til")
    med_data = {k for _, k in kube.query_pl(con, vh, {"fra": periode, "til": periode}).iter_rows()}
    return {(f"{k:03d}", y) for k, y in alle.select("handlekommune", "ydelseskode").iter_rows()
            if k not in med_data}


def med_kendte(con: duckdb.DuckDBPyConnection, cube: pl.DataFrame) -> pl.DataFrame:
    """The published cube with the column the attack check adds: which cells are known to be empty."""
    if cube.is_empty():
        return cube.with_columns(pl.lit(False).alias(kube.diskretion.UDEN_INDIVIDER))
    con.register("kube_publiceret", cube)
    try:
        sql = kube_med_kendte_sql("kube_publiceret")
        return pl.concat([kube.query_pl(con, sql, {"maaned": p}) for p in sorted(set(cube["periode"]))])
    finally:
        con.unregister("kube_publiceret")
