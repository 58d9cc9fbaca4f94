"""A small in-memory warehouse for `noegletal.kube.cube`: the code lists and the tables the cube
reads, filled from per-kommune numbers, so a data shape (VH without Økonomi, a lone kommune with
data, ...) runs through the cube's real SQL and discretion in well under a second."""

from datetime import date

import duckdb
import polars as pl

from flis_assets.omraader.aeldre.harmoniseret import INDSATSER_DDL
from flis_assets.omraader.voksenhandicap.datamart import DDL as DATAMART_DDL
from flis_assets.omraader.voksenhandicap.harmoniseret import YDELSER_DDL
from flis_assets.defs.noegletal import kube
from flis_assets.omraader.voksenhandicap import benchmark_diskretion
from flis_assets.defs.noegletal.checks import kube_med_kendte_sql
from flis_assets.resources import load_kodelister

TABELLER = [
    *DATAMART_DDL, YDELSER_DDL, INDSATSER_DDL,
    """CREATE TABLE harmoniseret.skole_elever (periode DATE, kommunekode INTEGER, cpr VARCHAR,
        undervisningstilbud VARCHAR, fravaersdage DOUBLE, skoledage INTEGER, klassetrin_0_9 BOOLEAN)""",
    """CREATE TABLE harmoniseret.udsatte_foranstaltninger (periode DATE, cpr VARCHAR, handlekommune INTEGER,
        aaben_sidste_dag BOOLEAN, slettes_af_dst BOOLEAN)""",
    """CREATE TABLE datamart.befolkning (periode DATE, kommunekode INTEGER, koen VARCHAR, alder INTEGER, antal BIGINT)""",
    # Økonomi's accounts (its figures have no kommune with accounts here)
    """CREATE TABLE datamart.oekonomi_regnskab (periode DATE, visning VARCHAR, kommunekode INTEGER, dranst VARCHAR,
        hovedkonto VARCHAR, hovedfunktion VARCHAR, funktion VARCHAR, hovedart VARCHAR, beloeb DECIMAL(18, 2))""",
    """CREATE TABLE referencedata.godkendte_kommuner (kommunekode INTEGER, ydelseskode VARCHAR, kvartal VARCHAR,
        godkendt VARCHAR)""",
]

# One period's data: (kommunekode, ydelseskode) -> recipients (each a full month, or with their
# full-time recipients: (recipients, helaarsmodtagere)) or expenses, and kommunekode -> residents aged 18-64.
Periode = tuple[dict[tuple[int, str], int | tuple[int, float]], dict[tuple[int, str], float], dict[int, int]]


def _modtagere(v: int | tuple[int, float]) -> tuple[int, float]:
    return v if isinstance(v, tuple) else (v, float(v))


def lager(perioder: dict[date, Periode], threads: int = 1, omvendt: bool = False) -> duckdb.DuckDBPyConnection:
    """The warehouse; `omvendt` inserts every table's rows in reverse order (same data, other order)."""
    con = duckdb.connect(config={"threads": threads})
    load_kodelister(con)
    for ddl in TABELLER:
        con.execute(ddl)
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
