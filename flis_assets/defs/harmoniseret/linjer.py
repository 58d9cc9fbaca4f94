"""What the areas whose harmonised data is one row per line and period, with the rule hits in a
table beside it, share (Voksenhandicap, Ældre): the pair of period assets, and the blocking check
that no line of the newest stock is lost on the way (nor doubled in a period)."""

from collections.abc import Callable
from datetime import date

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from flis_assets import partitions
from flis_assets.checks.factory import frame_check
from flis_assets.defs.dsa import common
from flis_assets.resources import ensure_schemas, perioder_metadata, replace_periods, used_params


def linjer_pr_periode(con: duckdb.DuckDBPyConnection, tabel: str, months: list[date]) -> dict[str, int]:
    """The rows of `tabel` per period of the window (the assets' metadata)."""
    if not months:
        return {}
    return dict(con.execute(f"SELECT strftime(periode, '%Y-%m'), count(*) FROM {tabel} "
                            "WHERE periode BETWEEN ? AND ? GROUP BY 1 ORDER BY 1", [min(months), max(months)]).fetchall())


def harmoniser(con: duckdb.DuckDBPyConnection, months: list[date], kilde: str, ddl: list[str],
               forberedelse: list[str], selects: dict[str, str]) -> dict[str, int]:
    """Create the tables (`ddl`); from the newest stock of dsa.`kilde` (newest knowledge) run the
    statements `forberedelse` ($n: that stock's load month) and replace the window's periods of each
    table by its SELECT (`selects`, the lines' table first). The lines per period."""
    ensure_schemas(con)
    common.ensure_all(con)
    for statement in ddl:
        con.execute(statement)
    n = con.execute(f"SELECT max(indlaesningsmaaned) FROM dsa.{kilde}").fetchone()[0]
    if n is None:
        return {}
    for statement in forberedelse:
        con.execute(statement, used_params({"n": n}, statement))
    replace_periods(con, selects, months)
    return linjer_pr_periode(con, next(iter(selects)), months)


def linjer_og_opmaerkninger(
    navn: str, linjer: str, opmaerkninger: str, deps: list[dg.AssetKey], beskrivelser: tuple[str, str],
    harmonise: Callable[[duckdb.DuckDBPyConnection, list[date]], dict[str, int]],
) -> dg.AssetsDefinition:
    """The assets harmoniseret.`linjer` and harmoniseret.`opmaerkninger`, built together per window
    by `harmonise(con, months)` (returning the lines per period)."""
    tabeller = [f"harmoniseret.{linjer}", f"harmoniseret.{opmaerkninger}"]

    @dg.multi_asset(
        name=navn,
        specs=[dg.AssetSpec(["harmoniseret", t.split(".")[1]], deps=deps, group_name="harmoniseret", kinds={"duckdb"},
                            metadata={"dagster/table_name": t}, description=b)
               for t, b in zip(tabeller, beskrivelser)],
        **partitions.MAANEDLIG,
    )
    def _asset(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
        with duckdb.get_connection() as con:
            months = partitions.window_months(context)
            counts = harmonise(con, months)
            meta = perioder_metadata(con, tabeller, months)
        yield dg.MaterializeResult(asset_key=["harmoniseret", linjer],
                                   metadata={"linjer_pr_periode": dg.MetadataValue.json(counts), **meta[tabeller[0]]})
        yield dg.MaterializeResult(asset_key=["harmoniseret", opmaerkninger], metadata=meta[tabeller[1]])

    return _asset


def linjer_bevaret_check(linjer: str, noegle: str, forventet_sql: str, description: str) -> dg.AssetChecksDefinition:
    """Blocking: every line `forventet_sql` ($maaned; the columns `noegle`) expects in the period is in
    harmoniseret.`linjer`, and no line is there twice. The area states what it expects independently
    of its placement logic."""
    sql = f"""
WITH forventet AS ({forventet_sql}),
faktisk AS (SELECT {noegle}, count(*) AS n FROM harmoniseret.{linjer} WHERE periode = $maaned GROUP BY ALL)
SELECT {noegle}, 'LINJE_TABT_MELLEM_DSA_OG_HARMONISERET' AS regel FROM forventet ANTI JOIN faktisk USING ({noegle})
UNION ALL
SELECT {noegle}, 'LINJE_DOBBELT_I_PERIODEN' FROM faktisk WHERE n > 1
"""
    return frame_check(asset=dg.AssetKey(["harmoniseret", linjer]), name="linjer_bevaret", blocking=True,
                       description=description, sql=sql)
