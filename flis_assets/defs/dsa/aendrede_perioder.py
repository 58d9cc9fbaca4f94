"""Changed periods: for each load month, which statistical periods' data changed, per source and kommune.

Compares the stock after the load month with the stock after the month before. Later layers
re-materialise exactly these periods after a retroactive correction. The load month itself
always counts as changed: it is new.

How a change maps to periods depends on the source (the table `AENDRINGSTYPE` below):
- `interval` (VH, Udsatte): a line added, removed or changed touches every month its old and
  new validity (startdato to slutdato, open = to the load month) overlaps. A line that cannot
  be placed in time belongs to the load months it was delivered in, so its old version touches
  those months.
- `periode` (Økonomi): a booking period whose lines differ.
- `maaned` (Skole): a stock describes the end of its load month only.
- `register` (CPR): a changed person touches the load month; a changed death date every month
  from the earlier of the two dates; a changed birth date or sex every month.
"""

from datetime import date

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from flis_assets import partitions, snitflader
from flis_assets.defs.dsa import borger, common, oekonomi
from flis_assets.resources import Tilstand, replace_window

AENDRINGSTYPE = {
    "vh": ("interval", "ydelse_id"),
    "udsatte": ("interval", "foranstaltning_id"),
    "oekonomi": ("periode", None),
    "skole": ("maaned", None),
    "cpr": ("register", None),
}

DDL = """CREATE TABLE IF NOT EXISTS dsa.aendrede_perioder (
    indlaesningsmaaned DATE NOT NULL,
    kilde VARCHAR NOT NULL,
    kommunekode INTEGER,
    periode DATE NOT NULL,
    antal_aendringer BIGINT NOT NULL
)"""

MONTHS = "unnest(generate_series(date_trunc('month', {a}), date_trunc('month', {b}), INTERVAL 1 MONTH))::DATE"


def _months_sql(start: str, end: str) -> str:
    return MONTHS.format(a=f"greatest({start}, DATE '{partitions.START}')", b=f"least({end}, $maaned)")


def placeable(alias: str = "") -> str:
    a = f"{alias}." if alias else ""
    return f"{a}startdato IS NOT NULL AND ({a}slutdato IS NULL OR {a}slutdato >= {a}startdato)"


INTERVAL_KILDER = {k: id_col for k, (typ, id_col) in AENDRINGSTYPE.items() if typ == "interval"}


def _uplacerbare_sql(kilde: str, betingelse: str) -> str:
    return (f"SELECT kommunekode, fagsystem, {INTERVAL_KILDER[kilde]} AS id, indlaesningsmaaned FROM dsa.{kilde} "
            f"WHERE NOT ({placeable()}) AND indlaesningsmaaned {betingelse}")


def _opret_uplacerbare(con: duckdb.DuckDBPyConnection, maaned: date) -> None:
    for k in INTERVAL_KILDER:
        con.execute(f"CREATE OR REPLACE TEMP TABLE uplacerbare_{k} AS {_uplacerbare_sql(k, '< $maaned')}",
                    {"maaned": maaned})


def _frem_uplacerbare(con: duckdb.DuckDBPyConnection, maaned: date) -> None:
    for k in INTERVAL_KILDER:
        con.execute(f"INSERT INTO uplacerbare_{k} {_uplacerbare_sql(k, '= $maaned')}", {"maaned": maaned})


# The lines that cannot be placed in time, of the load months before: finding an old version's
# months in the whole stock history each month cost ~0.2 s a month for Udsatte at --scale 0.1.
uplacerbare = Tilstand(opret=_opret_uplacerbare, frem=_frem_uplacerbare)


def interval_sql(kilde: str, id_col: str) -> str:
    values = ", ".join(f.navn for f in snitflader.kilde(kilde).felter if f.navn != id_col)
    rest = ", ".join(f.navn for f in snitflader.kilde(kilde).felter if f.navn not in (id_col, "startdato", "slutdato"))
    side = (f"SELECT kommunekode, fagsystem, {id_col} AS id, startdato, slutdato, hash({values}) AS h, "
            f"hash({rest}) AS h_rest FROM dsa.{kilde}")

    return f"""
    WITH ny AS ({side} WHERE indlaesningsmaaned = $maaned),
    gl AS ({side} WHERE indlaesningsmaaned = $forrige),
    diff AS (
        SELECT kommunekode, fagsystem, id, ny.startdato AS ns, ny.slutdato AS ne, gl.startdato AS os,
            gl.slutdato AS oe, ny.id IS NOT NULL AS har_ny, gl.id IS NOT NULL AS har_gl,
            ny.h_rest = gl.h_rest AND ({placeable("ny")}) AND ({placeable("gl")}) AS kun_datoer
        FROM ny FULL OUTER JOIN gl USING (kommunekode, fagsystem, id)
        WHERE ny.h IS DISTINCT FROM gl.h
    ),
    versioner AS (
        SELECT kommunekode, fagsystem, id, ns AS startdato, ne AS slutdato, true AS ny FROM diff
        WHERE har_ny AND NOT coalesce(kun_datoer, false)
        UNION ALL
        SELECT kommunekode, fagsystem, id, os, oe, false FROM diff
        WHERE har_gl AND NOT coalesce(kun_datoer, false)
    ),
    -- Only the dates moved and both versions can be placed: just the months between the old and
    -- the new start, and between the old and the new end, changed (open = to the load month).
    datoflyt AS (
        SELECT kommunekode, least(os, ns) AS startdato, greatest(os, ns) AS slutdato FROM diff
        WHERE kun_datoer AND os IS DISTINCT FROM ns
        UNION ALL
        SELECT kommunekode, least(coalesce(oe, $maaned), coalesce(ne, $maaned)),
            greatest(coalesce(oe, $maaned), coalesce(ne, $maaned)) FROM diff
        WHERE kun_datoer AND oe IS DISTINCT FROM ne
    ),
    uplacerbare_gamle AS (  -- the load months an old unplaceable version was delivered in
        SELECT DISTINCT d.kommunekode, d.indlaesningsmaaned AS periode
        FROM uplacerbare_{kilde} d JOIN versioner v
            ON d.kommunekode = v.kommunekode AND d.fagsystem = v.fagsystem AND d.id = v.id
        WHERE NOT v.ny AND NOT ({placeable("v")})
    ),
    ramt AS (
        SELECT kommunekode, {_months_sql("startdato", "coalesce(slutdato, $maaned)")} AS periode
        FROM versioner WHERE {placeable()}
        UNION ALL
        SELECT kommunekode, {_months_sql("startdato", "slutdato")} FROM datoflyt
        UNION ALL
        SELECT kommunekode, $maaned FROM versioner WHERE ny AND NOT ({placeable()})
        UNION ALL
        SELECT kommunekode, periode FROM uplacerbare_gamle
    )
    SELECT kommunekode, periode, count(*) AS antal_aendringer FROM ramt
    WHERE periode <= $maaned GROUP BY ALL
    UNION ALL
    SELECT DISTINCT kommunekode, $maaned, 0 FROM dsa.{kilde} WHERE indlaesningsmaaned = $maaned
    """


def periode_sql(kilde: str) -> str:
    """Økonomi: the groups this month's deliveries replaced, where their lines differ."""
    values = ", ".join(f.navn for f in snitflader.kilde(kilde).felter)
    agg = f"sum(hash({values})::HUGEINT) AS h, count(*) AS n"
    return f"""
    WITH ny AS (SELECT kommunekode, periode, {agg} FROM dsa.{kilde} WHERE indlaesningsmaaned = $maaned GROUP BY ALL),
    gl AS (SELECT kommunekode, periode, {agg}
           FROM ({oekonomi.bestand_sql("$forrige", "SELECT kommunekode, periode FROM ny")}) GROUP BY ALL)
    SELECT kommunekode, periode, ny.n + coalesce(gl.n, 0) AS antal_aendringer
    FROM ny LEFT JOIN gl USING (kommunekode, periode)
    WHERE (ny.h IS DISTINCT FROM gl.h OR ny.n IS DISTINCT FROM gl.n)
      AND periode BETWEEN DATE '{partitions.START}' AND $maaned
    UNION ALL
    SELECT DISTINCT kommunekode, $maaned, 0 FROM raadata.leverancer
    WHERE kilde = '{kilde}' AND status = 'indlaest' AND indlaesningsmaaned <= $maaned
    """


def maaned_sql(kilde: str) -> str:
    return f"""SELECT kommunekode, $maaned AS periode, count(*) AS antal_aendringer
    FROM dsa.{kilde} WHERE indlaesningsmaaned = $maaned GROUP BY ALL"""


def register_sql(kilde: str) -> str:
    return f"""
    WITH d AS (SELECT * FROM dsa.{kilde} WHERE indlaesningsmaaned = $maaned),
    gl AS ({borger.register_sql("$forrige", "SELECT cpr FROM d")}),
    x AS (
        SELECT coalesce(d.bopaelskommune, gl.bopaelskommune) AS kommunekode,
            d.doedsdato AS nd, gl.doedsdato AS od,
            gl.cpr IS NOT NULL AND (d.foedselsdato IS DISTINCT FROM gl.foedselsdato
                                    OR d.koen IS DISTINCT FROM gl.koen) AS stamdata
        FROM d LEFT JOIN gl USING (cpr)
    ),
    ramt AS (
        SELECT kommunekode, $maaned AS periode FROM x
        UNION ALL
        SELECT kommunekode, {_months_sql("least(coalesce(nd, od), coalesce(od, nd))", "$maaned")} FROM x
        WHERE nd IS DISTINCT FROM od
        UNION ALL
        SELECT kommunekode, {_months_sql(f"DATE '{partitions.START}'", "$maaned")} FROM x WHERE stamdata
    )
    SELECT kommunekode, periode, count(*) AS antal_aendringer FROM ramt GROUP BY ALL
    """


SQL_FOR = {"interval": interval_sql, "periode": periode_sql, "maaned": maaned_sql, "register": register_sql}


def aendringer_sql(kilde: str) -> str:
    typ, id_col = AENDRINGSTYPE[kilde]
    return SQL_FOR[typ](kilde, id_col) if id_col else SQL_FOR[typ](kilde)


def compute(con: duckdb.DuckDBPyConnection, maaned: date) -> int:
    """One load month's changed periods (its tables exist and `uplacerbare` is before the month,
    see the asset)."""
    select = " UNION ALL ".join(
        f"SELECT $maaned AS indlaesningsmaaned, '{k}' AS kilde, kommunekode, periode, "
        f"sum(antal_aendringer)::BIGINT AS antal_aendringer FROM ({aendringer_sql(k)}) GROUP BY ALL"
        for k in AENDRINGSTYPE
    )
    return replace_window(
        con, "dsa.aendrede_perioder", "indlaesningsmaaned", maaned, partitions.add_months(maaned, 1),
        select, {"maaned": maaned, "forrige": partitions.add_months(maaned, -1)},
    )


@dg.asset(
    key=["dsa", "aendrede_perioder"],
    deps=[dg.AssetKey(["dsa", k]) for k in AENDRINGSTYPE],
    **partitions.MAANEDLIG,
    group_name="dsa",
    kinds={"duckdb"},
    description="De statistiske perioder, hvis data ændrede sig med indlæsningsmåneden, pr. kilde og kommune "
    "(bagudrettede rettelser). Styrer, hvilke perioder de senere lag genberegner.",
    metadata={"dagster/table_name": "dsa.aendrede_perioder"},
)
def aendrede_perioder(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    def gem(con, m) -> list[str]:
        compute(con, m)
        return [p.strftime("%Y-%m") for (p,) in con.execute(
            "SELECT DISTINCT periode FROM dsa.aendrede_perioder WHERE indlaesningsmaaned = ? ORDER BY 1", [m]).fetchall()]

    with duckdb.get_connection() as con:
        con.execute(DDL)
        common.ensure_all(con)  # once a run, not a month: it replaces the DSA macros
        maaneder = partitions.window_months(context)
        summary = {f"{m:%Y-%m}": p for m, p in zip(maaneder, uplacerbare.hver_maaned(con, maaneder, gem))}
    return dg.MaterializeResult(metadata={"aendrede_perioder": dg.MetadataValue.json(summary)})


def genberegningsperioder(load_months: list[date], changed: list[date], newest: date) -> list[date]:
    """The statistical periods to (re)compute after these load months: the months themselves,
    every period their data changed, and the later months of the same year up to the newest
    load month (their quarter- and year-to-date views include the changed month)."""
    first_in_year: dict[int, date] = {}
    for p in [*load_months, *changed]:
        first_in_year[p.year] = min(p, first_in_year.get(p.year, p))
    out = set()
    for year, first in first_in_year.items():
        last = min(newest, date(year, 12, 1))
        out.update(partitions.months(first, partitions.add_months(last, 1)))
    return sorted(out)


def perioder_til_genberegning(con: duckdb.DuckDBPyConnection, load_months: list[date]) -> list[date]:
    """`genberegningsperioder` with the changed periods read from `dsa.aendrede_perioder`."""
    if not load_months:
        return []
    try:
        changed = [p for (p,) in con.execute(
            "SELECT DISTINCT periode FROM dsa.aendrede_perioder WHERE indlaesningsmaaned IN "
            f"({', '.join('?' for _ in load_months)})", load_months).fetchall()]
    except duckdb.CatalogException:
        changed = []
    return genberegningsperioder(load_months, changed, max(load_months))
