"""Changed periods: for each load month, which statistical periods' data changed, per source and kommune.

Compares the stock after the load month with the stock after the month before. Later layers
re-materialise exactly these periods after a retroactive correction. The load month itself
always counts as changed: it is new. A load month run again keeps what its earlier runs changed.
A period counts as changed when any of its rows changes at individual level (the packages
publish the lines), even when no aggregate moves.

How a change maps to periods is data: the column `aendringstype` of each area's `kilder.csv`:
- `interval`: a line (by its id, `unik_noegle`) added, removed or changed in any field touches
  every month its old and its new validity (from the earliest of its `gyldig_fra` fields, by
  default startdato, to slutdato; open = to the load month) overlaps: a line may belong to
  periods before it began (Ældre's care-home lines from the visitation, while the citizen waits).
  A line that cannot be placed in time belongs to the load months it was delivered in that form,
  so either version touches those months. A source whose harmonisation compares a
  citizen's lines with each other names the citizen's field (`borger`, e.g. VH's overlap rules):
  there a changed line touches every line of its citizen, in both stocks.
- `periode`: a booking period whose lines differ (a stock replaced by period).
- `maaned`: a stock describes the end of its load month only.
- `register`: a changed person touches the load month (the population from it on); a changed
  death date every month from the earlier of the two dates; a new person, or a changed fact the
  harmonisations read (`CPR_FAKTA`), every period of the person's lines in every `interval`
  source that names its citizen.
"""

from datetime import date

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from flis_assets import partitions, snitflader
from flis_assets.defs.dsa import common, strategier
from flis_assets.resources import Tilstand, replace_window, tabel_metadata


def _kilder(typ: str | None = None) -> list[snitflader.Kilde]:
    return [k for k in snitflader.kilder().values() if typ is None or k.aendringstype == typ]


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


def fra(kilde: str, alias: str = "") -> str:
    """The day a line of `kilde` belongs to periods from: the earliest of its `gyldig_fra` fields
    that is given (DuckDB's least skips NULL)."""
    a = f"{alias}." if alias else ""
    felter = [f"{a}{f}" for f in snitflader.kilde(kilde).gyldig_fra]
    return felter[0] if len(felter) == 1 else f"least({', '.join(felter)})"


def placeable(alias: str = "", fra_col: str = "fra") -> str:
    """A line can be placed in time: it has a from day, and does not end before it began (or,
    never begun, before its from day)."""
    a = f"{alias}." if alias else ""
    return (f"{fra_col} IS NOT NULL AND ({a}slutdato IS NULL OR "
            f"{a}slutdato >= coalesce({a}startdato, {fra_col}))")


def _linje_id(kilde: str) -> str:
    return snitflader.kilde(kilde).unik_noegle[0].navn


# The register facts the harmonisations read of every line's citizen (birth date, age, sex, death
# as alternative end): a change to one changes each of the person's rows.
CPR_FAKTA = ("foedselsdato", "koen", "doedsdato")


def _uplacerbare_sql(kilde: str, betingelse: str) -> str:
    return (f"SELECT kommunekode, fagsystem, {_linje_id(kilde)} AS id, indlaesningsmaaned FROM dsa.{kilde} "
            f"WHERE NOT ({placeable(fra_col=fra(kilde))}) AND indlaesningsmaaned {betingelse}")


def _opret_uplacerbare(con: duckdb.DuckDBPyConnection, maaned: date) -> None:
    for k in (k.kilde for k in _kilder("interval")):
        con.execute(f"CREATE OR REPLACE TEMP TABLE uplacerbare_{k} AS {_uplacerbare_sql(k, '< $maaned')}",
                    {"maaned": maaned})


def _frem_uplacerbare(con: duckdb.DuckDBPyConnection, maaned: date) -> None:
    for k in (k.kilde for k in _kilder("interval")):
        con.execute(f"INSERT INTO uplacerbare_{k} {_uplacerbare_sql(k, '= $maaned')}", {"maaned": maaned})


# The lines that cannot be placed in time, of the load months before: finding an old version's
# months in the whole stock history each month cost ~0.2 s a month for Udsatte at --scale 0.1.
uplacerbare = Tilstand(opret=_opret_uplacerbare, frem=_frem_uplacerbare)


def linjernes_perioder(kilde: str, linjer: str) -> str:
    """The periods of lines `linjer` (kommunekode, fagsystem, id, fra, startdato, slutdato, ny: of the
    new stock): a placeable line its validity (open = to the load month); one that cannot be placed the
    load months it was delivered in that form, and the load month itself when in the new stock."""
    return f"""
        SELECT kommunekode, {_months_sql("fra", "coalesce(slutdato, $maaned)")} AS periode
        FROM {linjer} WHERE {placeable()}
        UNION ALL
        SELECT kommunekode, $maaned FROM {linjer} WHERE ny AND NOT ({placeable()})
        UNION ALL
        SELECT u.kommunekode, u.indlaesningsmaaned FROM uplacerbare_{kilde} u
        SEMI JOIN (SELECT * FROM {linjer} WHERE NOT ({placeable()})) v
            ON u.kommunekode = v.kommunekode AND u.fagsystem = v.fagsystem AND u.id = v.id
    """


def interval_sql(kilde: str) -> str:
    id_col = _linje_id(kilde)
    values = ", ".join(f.navn for f in snitflader.kilde(kilde).felter if f.navn != id_col)
    borger_col = snitflader.kilde(kilde).borger
    side = (f"SELECT kommunekode, fagsystem, {id_col} AS id, {borger_col or 'NULL'} AS borger, "
            f"{fra(kilde)} AS fra, startdato, slutdato, hash({values}) AS h FROM dsa.{kilde}")
    cols = "kommunekode, fagsystem, id, fra, startdato, slutdato"
    # the changed lines themselves, and with `borger` every line of their citizens (old and new)
    noegler = [("diff", "kommunekode, fagsystem, id")] + ([("borgere", "borger")] if borger_col else [])
    versioner = "\n        UNION\n        ".join(
        f"SELECT {cols}, {ny} AS ny FROM {side_} SEMI JOIN {tabel} USING ({noegle})"
        for side_, ny in (("ny", "true"), ("gl", "false")) for tabel, noegle in noegler)
    return f"""
    WITH ny AS ({side} WHERE indlaesningsmaaned = $maaned),
    gl AS ({side} WHERE indlaesningsmaaned = $forrige),
    diff AS (  -- any field differs, or the line is only in one of the stocks
        SELECT kommunekode, fagsystem, id FROM ny FULL OUTER JOIN gl USING (kommunekode, fagsystem, id)
        WHERE ny.h IS DISTINCT FROM gl.h
    ),
    borgere AS (
        SELECT borger FROM ny SEMI JOIN diff USING (kommunekode, fagsystem, id)
        UNION SELECT borger FROM gl SEMI JOIN diff USING (kommunekode, fagsystem, id)
    ),
    versioner AS (
        {versioner}
    )
    SELECT kommunekode, periode, count(*) AS antal_aendringer FROM ({linjernes_perioder(kilde, "versioner")})
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
           FROM ({strategier.pr_periode_sql(kilde, "$forrige", "SELECT kommunekode, periode FROM ny")}) GROUP BY ALL)
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
    i_linjer = " OR ".join(f"d.{f} IS DISTINCT FROM gl.{f}" for f in CPR_FAKTA)
    # every interval source that names its citizen: the lines of the people whose facts changed,
    # in the newest stock
    linjer = [(k.kilde, f"""SELECT kommunekode, fagsystem, {_linje_id(k.kilde)} AS id, {fra(k.kilde)} AS fra,
            startdato, slutdato, true AS ny
        FROM dsa.{k.kilde} SEMI JOIN (SELECT cpr AS person FROM x WHERE i_linjer) b ON b.person = {k.borger}
        WHERE indlaesningsmaaned = (SELECT max(indlaesningsmaaned) FROM dsa.{k.kilde} WHERE indlaesningsmaaned <= $maaned)""")
              for k in _kilder("interval") if k.borger]
    linjer_ctes = "".join(f",\n    linjer_{k} AS ({sql})" for k, sql in linjer)
    linjer_perioder = "".join(f"\n        UNION ALL\n        SELECT kommunekode, periode FROM ({linjernes_perioder(k, f'linjer_{k}')})"
                              for k, _ in linjer)
    return f"""
    WITH d AS (SELECT * FROM dsa.{kilde} WHERE indlaesningsmaaned = $maaned),
    gl AS ({strategier.register_sql(kilde, "$forrige", "SELECT cpr FROM d")}),
    x AS (
        SELECT d.cpr, coalesce(d.bopaelskommune, gl.bopaelskommune) AS kommunekode,
            d.doedsdato AS nd, gl.doedsdato AS od, gl.cpr IS NULL OR {i_linjer} AS i_linjer
        FROM d LEFT JOIN gl USING (cpr)
    ){linjer_ctes},
    ramt AS (
        SELECT kommunekode, $maaned AS periode FROM x
        UNION ALL
        SELECT kommunekode, {_months_sql("least(coalesce(nd, od), coalesce(od, nd))", "$maaned")} FROM x
        WHERE nd IS DISTINCT FROM od{linjer_perioder}
    )
    SELECT kommunekode, periode, count(*) AS antal_aendringer FROM ramt WHERE periode <= $maaned GROUP BY ALL
    """


SQL_FOR = {"interval": interval_sql, "periode": periode_sql, "maaned": maaned_sql, "register": register_sql}


def aendringer_sql(kilde: str) -> str:
    return SQL_FOR[snitflader.kilde(kilde).aendringstype](kilde)


def compute(con: duckdb.DuckDBPyConnection, maaned: date) -> int:
    """One load month's changed periods (its tables exist and `uplacerbare` is before the month,
    see the asset). A load month run again keeps the periods its earlier runs changed: the later
    layers show them from the stock those runs made, which the new stock replaces."""
    con.execute("CREATE OR REPLACE TEMP TABLE tidligere_aendrede AS SELECT kilde, kommunekode, periode "
                "FROM dsa.aendrede_perioder WHERE indlaesningsmaaned = ?", [maaned])
    kilder = " UNION ALL ".join(
        f"SELECT '{k}' AS kilde, kommunekode, periode, antal_aendringer FROM ({aendringer_sql(k)})"
        for k in snitflader.kilder()
    )
    select = f"""SELECT $maaned AS indlaesningsmaaned, kilde, kommunekode, periode,
        sum(antal_aendringer)::BIGINT AS antal_aendringer
    FROM ({kilder} UNION ALL SELECT kilde, kommunekode, periode, 0 FROM tidligere_aendrede) GROUP BY ALL"""
    return replace_window(
        con, "dsa.aendrede_perioder", "indlaesningsmaaned", maaned, partitions.add_months(maaned, 1),
        select, {"maaned": maaned, "forrige": partitions.add_months(maaned, -1)},
    )


@dg.asset(
    key=["dsa", "aendrede_perioder"],
    deps=[dg.AssetKey(["dsa", k]) for k in snitflader.kilder()],
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
        tabel = tabel_metadata(con, "dsa.aendrede_perioder", "indlaesningsmaaned", maaneder)
    return dg.MaterializeResult(metadata={"aendrede_perioder": dg.MetadataValue.json(summary), **tabel})


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
    """`genberegningsperioder` with the changed periods read from `dsa.aendrede_perioder`, up to the
    newest load month there (a load month run again after later ones: their year-to-date views)."""
    if not load_months:
        return []
    try:
        changed = [p for (p,) in con.execute(
            "SELECT DISTINCT periode FROM dsa.aendrede_perioder WHERE indlaesningsmaaned IN "
            f"({', '.join('?' for _ in load_months)})", load_months).fetchall()]
        newest = con.execute("SELECT max(indlaesningsmaaned) FROM dsa.aendrede_perioder").fetchone()[0]
    except duckdb.CatalogException:
        changed, newest = [], None
    return genberegningsperioder(load_months, changed, max(filter(None, [*load_months, newest])))
