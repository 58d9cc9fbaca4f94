"""Backfills after retroactive corrections: exactly the touched periods, and the same result as a rebuild."""

import shutil
from datetime import date

import dagster as dg
import pytest

from flis_assets import partitions
from flis_assets.defs.automation import genberegn_aendrede_perioder
from flis_assets.definitions import build_defs
from flis_assets_tests.conftest import Flis, cpr_line, vh_line

PEOPLE = [f"{i:02d}0175{3000 + i}" for i in range(1, 8)]
BASE = [vh_line(f"l{i}", cpr=c, kode="1.8.1", start="20230101", ophold="1") for i, c in enumerate(PEOPLE[:6])]
BASE.append(vh_line("uden-maalgruppe", cpr=PEOPLE[0], kode="1.1", start="20230101", maalgrupper=""))
KORT = vh_line("kort", cpr=PEOPLE[6], kode="1.8.2", start="20230301", slut="20230430", ophold="2")
RETTET = vh_line("kort", cpr=PEOPLE[6], kode="1.8.2", start="20230301", slut="20230320", ophold="2")
CPR = [cpr_line(c, foedt="19750101") for c in PEOPLE]
COMPARE = {  # table: the columns that identify a row
    "harmoniseret.vh_ydelser": "periode, kommunekode, fagsystem, ydelse_id",
    "harmoniseret.vh_opmaerkninger": "periode, kommunekode, fagsystem, ydelse_id, regel",
    "datamart.vh_benchmark": "periode, handlekommune, ydelseskode",
    "datamart.vh_dimensioner": "periode, tidsenhed, handlekommune, ydelseskode, dimension, vaerdi",
    "noegletal.kube": "periode, niveau, omraade, noegletal_id",
}


def deliver(f: Flis):
    for m, lines in (("2024-01", [*BASE, KORT]), ("2024-02", [*BASE, KORT]), ("2024-03", [*BASE, RETTET])):
        f.deliver("cpr", m, 0, "CPR", m.replace("-", "") + "05", CPR)
        f.deliver("vh", m, 101, "NEXUS", m.replace("-", "") + "05", lines)


def materialized_since(inst, storage_id, key=("harmoniseret", "vh_ydelser")) -> list[str]:
    recs = inst.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(list(key)), after_storage_id=storage_id), limit=10000).records
    return sorted({r.partition_key[:7] for r in recs})


def last_storage_id(inst) -> int:
    recs = inst.fetch_materializations(dg.AssetKey(["dsa", "aendrede_perioder"]), limit=1).records
    return recs[0].storage_id if recs else 0


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    roots = {"stegvis": tmp_path_factory.mktemp("stegvis"), "samlet": tmp_path_factory.mktemp("samlet")}
    mp = pytest.MonkeyPatch()
    mp.delenv("FLIS_DUCKDB", raising=False)  # each run's database lives in its own data root
    out = {}
    with dg.DagsterInstance.ephemeral() as inst:
        f = Flis(roots["stegvis"], inst)
        mp.setenv("FLIS_DATA_DIR", str(f.root))
        deliver(f)
        assert f.materialize("2024-01").ok and f.materialize("2024-02").ok
        before = inst.fetch_materializations(dg.AssetKey(["harmoniseret", "vh_ydelser"]), limit=1).records[0].storage_id
        assert f.materialize("2024-03").ok
        out["recomputed"] = materialized_since(inst, before)
        out["stegvis"] = f
        # The sensor, after only the load months of a fourth run: the same periods, as a backfill.
        f.execute("DELETE FROM raadata.leverancer WHERE indlaesningsmaaned = '2024-03-01'")
        f.execute("DELETE FROM raadata.vh WHERE indlaesningsmaaned = '2024-03-01'")
        cursor = str(last_storage_id(inst))
        assert f.materialize("2024-03", perioder=False).ok
        defs = build_defs()
        ctx = dg.build_sensor_context(instance=inst, cursor=cursor, definitions=defs)
        out["sensor"] = genberegn_aendrede_perioder.evaluate_tick(ctx)  # as the daemon does
        # once `flis materialize` has recomputed them, the sensor asks for nothing more
        f.materialize_periods("2023-03", "2024-03")
        out["sensor_bagefter"] = genberegn_aendrede_perioder.evaluate_tick(
            dg.build_sensor_context(instance=inst, cursor=cursor, definitions=defs))
    with dg.DagsterInstance.ephemeral() as inst:
        g = Flis(roots["samlet"], inst)
        mp.setenv("FLIS_DATA_DIR", str(g.root))
        shutil.copytree(f.root / "incoming", g.root / "incoming")
        assert g.materialize("2024-01", "2024-03").ok
        out["samlet"] = g
    mp.setenv("FLIS_DATA_DIR", str(f.root))
    yield out
    mp.undo()


EXPECTED = [f"2023-{m:02d}" for m in range(3, 13)] + ["2024-03"]  # the corrected months, the rest of 2023, the new month


def test_only_the_touched_periods_are_recomputed(runs):
    # "kort" was 2023-03-01..2023-04-30 and is now 2023-03-01..2023-03-20: March and April changed,
    # and the rest of 2023 through the year-to-date views; January, February, 2024-01 and 2024-02 not.
    assert runs["recomputed"] == EXPECTED


def test_the_sensor_requests_a_backfill_of_exactly_those_periods(runs):
    assert len(runs["sensor"].run_requests) == 1
    req = runs["sensor"].run_requests[0]
    assert req.asset_graph_subset is not None
    subset = req.asset_graph_subset
    key = dg.AssetKey(["harmoniseret", "vh_ydelser"])
    got = sorted(k[:7] for k in subset.get_partitions_subset(key).get_partition_keys())
    assert got == EXPECTED
    assert dg.AssetKey(["datapakker", "filer"]) in subset.asset_keys
    assert dg.AssetKey(["dsa", "vh"]) not in subset.asset_keys


@pytest.mark.parametrize("table", list(COMPARE))
def test_incremental_equals_a_full_rebuild(runs, table):
    a, b = runs["stegvis"], runs["samlet"]
    query = f"SELECT * EXCLUDE (indlaesningsmaaned) FROM {table} ORDER BY {COMPARE[table]}" \
        if table == "harmoniseret.vh_ydelser" else f"SELECT * FROM {table} ORDER BY {COMPARE[table]}"
    assert a.sql(query).equals(b.sql(query))
    assert a.sql(query).height > 0


def test_ytd_view_follows_the_correction(runs):
    f = runs["stegvis"]
    h = f.sql("""SELECT helaarsmodtagere FROM datamart.vh_dimensioner WHERE periode = '2023-12-01'
                 AND tidsenhed = 'aar_til_dato' AND ydelseskode = '1.8.2' AND dimension = 'i_alt'""")
    assert h["helaarsmodtagere"][0] == pytest.approx(20 / 365)
    assert partitions.add_months(date(2023, 12, 1), 1) == date(2024, 1, 1)


def test_the_sensor_skips_periods_already_recomputed(runs):
    assert runs["sensor_bagefter"].run_requests == []
    assert "allerede genberegnet" in runs["sensor_bagefter"].skip_message
