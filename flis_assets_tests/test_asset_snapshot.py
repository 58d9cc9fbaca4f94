"""The asset graph as users and BI tools see it: keys, layers, partitions, deps and checks.

A change to the graph changes `snapshots/asset_graph.json`; review it like code and refresh it
with `FLIS_UPDATE_SNAPSHOTS=1 make test`.
"""

import json
import os
from pathlib import Path

from flis_assets.definitions import build_defs

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


def graph() -> dict:
    defs = build_defs()
    specs = sorted(defs.resolve_all_asset_specs(), key=lambda s: s.key.to_user_string())
    checks = {}
    for c in defs.asset_checks or []:
        for spec in c.check_specs:
            checks.setdefault(spec.asset_key.to_user_string(), []).append(
                {"name": spec.name, "blocking": spec.blocking}
            )
    return {
        s.key.to_user_string(): {
            "group": s.group_name,
            "partitioned": s.partitions_def is not None,
            "deps": sorted(d.asset_key.to_user_string() for d in s.deps),
            "table": s.metadata.get("dagster/table_name"),
            "checks": sorted(checks.get(s.key.to_user_string(), []), key=lambda c: c["name"]),
        }
        for s in specs
    }


def test_asset_graph_matches_snapshot():
    current = graph()
    if os.environ.get("FLIS_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(current, indent=2, ensure_ascii=False) + "\n")
    assert current == json.loads(SNAPSHOT.read_text())
