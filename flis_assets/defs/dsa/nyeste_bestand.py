"""DSA for a source whose stock is simply the kommune's newest delivery (an area uses it for its source)."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from flis_assets.defs.dsa import common
from flis_assets.snitflader import Kilde


def nyeste_bestand_asset(kilde: Kilde) -> dg.AssetsDefinition:
    stock_sql = f"""
        WITH lev AS ({common.kendte_leverancer(kilde.kilde)})
        SELECT {common.lineage_select()}, {kilde.typed_select("r")}
        FROM lev l {common.linjer_join(kilde.kilde)}
        WHERE l.nr_i_kommune = 1 AND r.indlaesningsmaaned <= $maaned
    """

    @dg.asset(
        **common.dsa_asset_kwargs(
            kilde,
            f"{kilde.beskrivelse}: hver kommunes nyeste leverance efter indlæsningsmåneden, "
            "typet og navngivet efter snitfladen.",
        )
    )
    def _asset(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
        return common.materialize_stock(context, duckdb, kilde, stock_sql, uafhaengige_maaneder=True)

    return _asset

