"""What every DSA asset shares: the table layout and "which deliveries were known at month M".

A DSA partition is the stock as known after its load month (`indlaesningsmaaned`), built from
the landed deliveries of that month and earlier. Of two deliveries from the same kommune and
fagsystem, the later delivery date is the newer, then the later load month (sources.md).
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import dagster as dg
import duckdb

from flis_assets import partitions
from flis_assets.resources import Tilstand, ensure_schemas, replace_window, tabel_metadata
from flis_assets.snitflader import Kilde

NYESTE_FOERST = "leverancedato DESC, indlaesningsmaaned DESC, indlaest_tid DESC, fil DESC"

FORAELDEDE = "foraeldede_senere_maaneder"  # metadata: the later load months this run left stale

# Lineage columns every DSA row carries before the interface's own fields.
LINEAGE_DDL = """
    indlaesningsmaaned DATE NOT NULL,
    kommunekode INTEGER NOT NULL,
    fagsystem VARCHAR NOT NULL,
    leverancedato DATE NOT NULL,
    leverancemaaned DATE NOT NULL,
    indlaesningsdato DATE NOT NULL,
    fil VARCHAR NOT NULL,
    linjenr BIGINT NOT NULL
"""


def lineage_select(m_param: str = "$maaned") -> str:
    """Lineage of a stock line: delivery `l`, and `r` the landed lines of its content
    (joined `r.fil = l.indhold_fra`: a delivery repeating earlier content has no lines of its own)."""
    return (
        f"{m_param}::DATE AS indlaesningsmaaned, l.kommunekode, l.fagsystem, l.leverancedato, "
        "l.indlaesningsmaaned AS leverancemaaned, l.indlaest_tid::DATE AS indlaesningsdato, "
        "l.fil, r.linjenr"
    )


def linjer_join(kilde: str, lev: str = "l", r: str = "r") -> str:
    """JOIN of the landed lines `r` of the deliveries `lev` (`r.fil = lev.indhold_fra`), also on the
    content's own load month: rådata is stored in load-month order, so DuckDB's zonemaps then skip
    every other month's row groups instead of scanning the source's whole history."""
    return (f"JOIN raadata.leverancer {r}_fra ON {r}_fra.fil = {lev}.indhold_fra AND {r}_fra.status = 'indlaest' "
            f"JOIN raadata.{kilde} {r} ON {r}.fil = {lev}.indhold_fra "
            f"AND {r}.indlaesningsmaaned = {r}_fra.indlaesningsmaaned")


def kendte_leverancer(kilde: str) -> str:
    """Landed deliveries of `kilde` up to $maaned, ranked newest first per kommune and per system."""
    return f"""
        SELECT *,
            row_number() OVER (PARTITION BY kommunekode ORDER BY {NYESTE_FOERST}) AS nr_i_kommune,
            row_number() OVER (PARTITION BY kommunekode, fagsystem ORDER BY {NYESTE_FOERST}) AS nr_i_system
        FROM raadata.leverancer
        WHERE kilde = '{kilde}' AND status = 'indlaest' AND indlaesningsmaaned <= $maaned
    """


# What each built DSA month was built from: per source and load month a fingerprint of the
# deliveries known then. A delivery landed late into an old load month (a re-delivery) changes the
# fingerprint of every later month, whose stock may now be another delivery (VH, Skole, Udsatte:
# the newest by delivery date) or whose monthly changes build on the old month's (CPR, Økonomi):
# those months are stale and are rebuilt (`foraeldede_maaneder`).
GRUNDLAG_DDL = """CREATE TABLE IF NOT EXISTS dsa.bestandsgrundlag (
    kilde VARCHAR NOT NULL,
    indlaesningsmaaned DATE NOT NULL,
    grundlag UBIGINT NOT NULL
)"""
# A delivery as the stocks read it. Not `indlaest_tid`: loading an unchanged month again lands its
# files anew, which changes no stock.
_LEVERANCE = ("fil, status, kommunekode, fagsystem, leverancetype, leverancedato, indlaesningsmaaned, sha256, "
              "indhold_fra")


def _grundlag_sql(m: str) -> str:
    """The fingerprint of the deliveries of source $kilde known after load month `m` (a column)."""
    return f"""(SELECT hash(count(*), sum(hash({_LEVERANCE})::HUGEINT)) FROM raadata.leverancer l
        WHERE l.kilde = $kilde AND l.indlaesningsmaaned <= {m})"""


def gem_grundlag(con: duckdb.DuckDBPyConnection, kilde: Kilde, maaneder: list[date]) -> None:
    """Record what the months just built of `kilde` were built from (after their stock is stored:
    a crash between leaves them stale, so rebuilt, never wrongly fresh)."""
    con.execute(GRUNDLAG_DDL)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM dsa.bestandsgrundlag WHERE kilde = $kilde AND indlaesningsmaaned IN "
                    "(SELECT unnest($maaneder::DATE[]))", {"kilde": kilde.kilde, "maaneder": maaneder})
        con.execute(f"""INSERT INTO dsa.bestandsgrundlag
            SELECT $kilde, m, {_grundlag_sql("m")} FROM (SELECT unnest($maaneder::DATE[]) AS m)""",
                    {"kilde": kilde.kilde, "maaneder": maaneder})
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def foraeldede_maaneder(con: duckdb.DuckDBPyConnection, kilde: str, efter: date) -> list[date]:
    """The load months after `efter` already built for `kilde` whose deliveries have changed since
    (a delivery landed into an earlier month). A month built before fingerprints were recorded (it
    has changed periods but no fingerprint) counts as stale: whether it is cannot be known."""
    ensure_schemas(con)
    con.execute(GRUNDLAG_DDL)
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raadata' "
                       "AND table_name = 'leverancer'").fetchone()[0]:
        return []  # nothing has landed: nothing is built from it
    bygget = "SELECT indlaesningsmaaned FROM dsa.bestandsgrundlag WHERE kilde = $kilde"
    if con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'dsa' "
                   "AND table_name = 'aendrede_perioder'").fetchone()[0]:
        bygget += " UNION SELECT indlaesningsmaaned FROM dsa.aendrede_perioder"
    return [m for (m,) in con.execute(f"""
        SELECT b.indlaesningsmaaned FROM ({bygget}) b
        LEFT JOIN dsa.bestandsgrundlag g ON g.kilde = $kilde AND g.indlaesningsmaaned = b.indlaesningsmaaned
        WHERE b.indlaesningsmaaned > $efter AND g.grundlag IS DISTINCT FROM {_grundlag_sql("b.indlaesningsmaaned")}
        ORDER BY 1""", {"kilde": kilde, "efter": efter}).fetchall()]


def create_table(con: duckdb.DuckDBPyConnection, kilde: Kilde, extra_ddl: str = "") -> None:
    ensure_schemas(con)
    con.execute(
        f"CREATE TABLE IF NOT EXISTS dsa.{kilde.kilde} ({LINEAGE_DDL}, {extra_ddl}{kilde.ddl_columns()})"
    )


def ensure_raadata(con: duckdb.DuckDBPyConnection, kilde: Kilde) -> None:
    """DSA may run before any file of a source has landed: the empty tables make that a no-op."""
    from flis_assets.defs.raadata import tables

    ensure_schemas(con)
    tables.create(con, kilde)


def replace_month(con: duckdb.DuckDBPyConnection, kilde: Kilde, maaned: date, select_sql: str) -> int:
    """Replace one load month of dsa.<kilde> by `select_sql` ($maaned; $forrige is the month before,
    for the sources kept as monthly changes)."""
    return replace_window(
        con, f"dsa.{kilde.kilde}", "indlaesningsmaaned", maaned, partitions.add_months(maaned, 1), select_sql,
        {"maaned": maaned, "forrige": partitions.add_months(maaned, -1)},
    )


def dsa_asset_kwargs(kilde: Kilde, description: str, extra_deps: list = ()) -> dict:
    return dict(
        key=["dsa", kilde.kilde],
        deps=[dg.AssetKey(["raadata", kilde.kilde]), *extra_deps],
        **partitions.MAANEDLIG,
        group_name="dsa",
        kinds={"duckdb"},
        description=description,
        metadata={"dagster/table_name": f"dsa.{kilde.kilde}"},
    )


def materialize_stock(
    context, duckdb_resource, kilde: Kilde, stock_sql: str, extra_ddl: str = "", setup=None,
    noegle: str = "linjer_i_bestand", uafhaengige_maaneder: bool = False, tilstand: Tilstand | None = None,
) -> dg.MaterializeResult:
    """Replace each month of the run's window with `stock_sql` (see `replace_month`).

    Months go in order: the delta-kept sources build on the month before. A stock read from
    rådata alone (`uafhaengige_maaneder`) does two months at a time instead, each in its own
    transaction on its own connection, since DuckDB writes a table on one core.
    `setup(con)` creates the table (and its macros) where the plain table is not enough; `tilstand`
    is what a delta-kept source's SQL reads of the months before."""
    with duckdb_resource.get_connection() as con:
        if setup:
            setup(con)
        else:
            ensure_raadata(con, kilde)
            create_table(con, kilde, extra_ddl)
        maaneder = partitions.window_months(context)
        if not uafhaengige_maaneder or len(maaneder) < 2:
            def gem(c, m):
                return replace_month(c, kilde, m, stock_sql)

            counts = tilstand.hver_maaned(con, maaneder, gem) if tilstand else [gem(con, m) for m in maaneder]
        else:
            with ThreadPoolExecutor(2) as pool:
                counts = list(pool.map(lambda m: _replace_month_on_own_connection(con, kilde, m, stock_sql), maaneder))
        gem_grundlag(con, kilde, maaneder)
        # Later months built before this window's deliveries changed: the sensor
        # `genopbyg_senere_bestande` rebuilds them (`flis materialize` does so itself).
        foraeldede = [f"{m:%Y-%m}" for m in foraeldede_maaneder(con, kilde.kilde, maaneder[-1])]
        tabel = tabel_metadata(con, f"dsa.{kilde.kilde}", "indlaesningsmaaned", maaneder)
    counts = {f"{m:%Y-%m}": n for m, n in zip(maaneder, counts)}
    return dg.MaterializeResult(metadata={noegle: dg.MetadataValue.json(counts), "maaneder": len(counts),
                                          FORAELDEDE: dg.MetadataValue.json(foraeldede), **tabel})


def _replace_month_on_own_connection(con: duckdb.DuckDBPyConnection, kilde: Kilde, maaned: date, select_sql: str) -> int:
    with con.cursor() as egen:
        return replace_month(egen, kilde, maaned, select_sql)


def ensure_all(con: duckdb.DuckDBPyConnection) -> None:
    """Every DSA table (empty if its source never delivered), so the period layers can always run.
    An area whose stock needs more than the plain table (a register, a stock by period) creates
    its own (`Omraade.bestande`)."""
    from flis_assets import omraader, snitflader

    egne = set()
    for o in omraader.omraader():
        if o.bestande:
            o.bestande(con)
            egne |= {k.kilde for k in snitflader.kilder().values() if k.omraade == o.navn}
    for kilde in snitflader.kilder().values():
        if kilde.kilde not in egne:
            ensure_raadata(con, kilde)
            create_table(con, kilde)
