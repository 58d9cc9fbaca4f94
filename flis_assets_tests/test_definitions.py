"""The code location loads, and its asset graph keeps the names and layers outputs.md pins."""

import dagster as dg

from flis_assets.definitions import build_defs


def test_definitions_load():
    defs = build_defs()
    dg.Definitions.validate_loadable(defs)


def test_every_layer_and_source_is_an_asset():
    keys = {s.key.to_user_string() for s in build_defs().resolve_all_asset_specs()}
    for kilde in ("vh", "cpr", "oekonomi", "skole", "udsatte"):
        assert f"raadata/{kilde}" in keys
        assert f"dsa/{kilde}" in keys
    assert "dsa/aendrede_perioder" in keys


def test_every_duckdb_writer_is_in_the_pool_and_monthly():
    defs = build_defs()
    for spec in defs.resolve_all_asset_specs():
        assets_def = defs.resolve_assets_def(spec.key)
        assert assets_def.op.pool == "duckdb", spec.key
        if spec.group_name in ("raadata", "dsa"):
            assert spec.partitions_def is not None and spec.partitions_def.get_first_partition_key() == "2013-01-01"
            assert assets_def.backfill_policy == dg.BackfillPolicy.single_run()
    for check in defs.asset_checks or []:
        assert check.op.pool == "duckdb", check
