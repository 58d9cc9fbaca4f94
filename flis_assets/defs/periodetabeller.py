"""Period tables defined by their SELECT alone: an area's simple harmoniseret and datamart tables.

`periode_assets(lag, omraade, {table: (select, deps, description)})` gives one asset that replaces
the run's periods of every table in one transaction (`replace_periods`), the tables taking the
shape of their query. `$fra`/`$til` are the window's first and last period.
"""

from collections.abc import Mapping, Sequence
from datetime import date

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from flis_assets import partitions
from flis_assets.defs.dsa import common
from flis_assets.resources import create_tables_like, ensure_schemas, perioder_metadata, replace_periods

MAANEDER = "SELECT unnest(generate_series($fra::DATE, $til::DATE, INTERVAL 1 MONTH))::DATE AS periode"

Tabeller = Mapping[str, tuple[str, Sequence[Sequence[str]], str]]


def build(con: duckdb.DuckDBPyConnection, selects: Mapping[str, str], months: list[date]) -> dict[str, int]:
    ensure_schemas(con)
    common.ensure_all(con)  # a source that never delivered still has its (empty) DSA table
    create_tables_like(con, selects)
    return replace_periods(con, selects, months)


def periode_assets(lag: str, omraade: str, tabeller: Tabeller) -> list[dg.AssetsDefinition]:
    selects = {t: sql for t, (sql, _, _) in tabeller.items()}

    @dg.multi_asset(
        name=f"{lag}_{omraade}",
        specs=[dg.AssetSpec(t.split("."), deps=[dg.AssetKey(d) for d in deps], group_name=lag, kinds={"duckdb"},
                            metadata={"dagster/table_name": t}, description=beskrivelse)
               for t, (_, deps, beskrivelse) in tabeller.items()],
        **partitions.MAANEDLIG,
    )
    def _asset(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
        with duckdb.get_connection() as con:
            months = partitions.window_months(context)
            counts = build(con, selects, months)
            meta = perioder_metadata(con, selects, months)
        for t in tabeller:
            yield dg.MaterializeResult(asset_key=t.split("."), metadata={"raekker": counts.get(t, 0), **meta[t]})

    return [_asset]
