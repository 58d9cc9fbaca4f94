"""The FLIS code location: every layer's assets and checks, one DuckDB resource."""

import dagster as dg

from flis_assets import settings

settings.stille_dagster_advarsler()  # before the assets' decorators warn (issue 16)

from flis_assets.defs import registry  # noqa: E402
from flis_assets.resources import duckdb_resource  # noqa: E402


def build_defs() -> dg.Definitions:
    """Built from the current settings (FLIS_DATA_DIR, FLIS_DUCKDB), so tests can point elsewhere."""
    return dg.Definitions(
        assets=registry.assets(),
        asset_checks=registry.checks(),
        sensors=registry.sensors(),
        jobs=registry.jobs(),
        resources={"duckdb": duckdb_resource()},
        executor=dg.in_process_executor,  # one DuckDB writer at a time; steps need no own process
    )


defs = build_defs()
