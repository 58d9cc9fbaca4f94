"""Backfills after retroactive corrections: exactly the touched periods, and the same result as a rebuild."""

import shutil
from datetime import date

import dagster as dg
import polars as pl
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
        out["sensor_intet_nyt"] = genberegn_aendrede_perioder.evaluate_tick(  # the daemon's next tick
            dg.build_sensor_context(instance=inst, cursor=out["sensor"].cursor, definitions=defs))
    with dg.DagsterInstance.ephemeral() as inst:
        out["sensor_tom"] = genberegn_aendrede_perioder.evaluate_tick(
            dg.build_sensor_context(instance=inst, definitions=defs))
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


def test_the_sensors_tick_says_what_it_handled_and_why_it_requested_nothing(runs):
    assert runs["sensor_bagefter"].skip_message == (
        f"Indlæsningsmåned 2024-03 er behandlet, og de {len(EXPECTED)} perioder, der skulle genberegnes, "
        "er allerede genberegnet.")
    assert runs["sensor"].run_requests[0].tags["flis/aarsag"] == "ændrede perioder efter indlæsningsmåned 2024-03"
    assert runs["sensor_intet_nyt"].run_requests == []
    assert runs["sensor_intet_nyt"].skip_message == (
        "Ingen nye indlæsningsmåneder. Senest behandlede indlæsningsmåned: 2024-03.")
    assert runs["sensor_tom"].skip_message == "Ingen indlæsningsmåneder er indlæst endnu."


# --- A sequence of load months with corrections of every kind, run load month by load month (each
# followed by the backfill the sensor requests), against a rebuild from scratch.

P = [f"{i:02d}0170{5000 + i}" for i in range(1, 13)]  # adults
C = [f"{i:02d}0115{4000 + i}" for i in range(1, 4)]  # children
MAANEDER = ["2024-01", "2024-02", "2024-03", "2024-04"]


def maaling(mid, cpr, start, slut=""):
    return f"{mid};{cpr};101;ANBRINGELSE;SEL 52.3.7;{start};{slut}"


def elev(cpr, fravaer="1.0"):
    return f"{cpr};123456;3;ALMEN;{fravaer};20"


def konto(periode, beloeb):
    return f"{periode};1;5;38;50;001;4;40;{beloeb}"


def rettelser() -> dict[str, dict[str, list[str]]]:
    """Per load month the deliveries of each source (kommune 101; CPR national)."""
    fast = [vh_line(f"fast{i}", cpr=P[i], start="20230101") for i in range(5)]
    vh = {
        "slut": vh_line("slut-tidligere", cpr=P[5], kode="1.8.2", start="20230105", slut="20230910", ophold="2"),
        "start": vh_line("start-senere", cpr=P[6], kode="1.8.2", start="20230201", slut="20231130", ophold="2"),
        "felt": vh_line("felt", cpr=P[7], start="20230401", slut="20230731", form="S2S"),
        "slettes": vh_line("slettes", cpr=P[8], start="20230301", slut="20230630"),
        "sps": vh_line("sps", cpr=P[9], kode="1.12.0.2", start="20230101", slut="20231231"),
        "ophold": vh_line("ophold", cpr=P[9], kode="1.8.1", start="20230301", slut="20230831", ophold="1"),
        "uden-start": vh_line("uden-start", cpr=P[10], start=""),
    }
    feb = {**vh,
           "slut": vh_line("slut-tidligere", cpr=P[5], kode="1.8.2", start="20230105", slut="20230615", ophold="2"),
           "felt": vh_line("felt", cpr=P[7], start="20230401", slut="20230731", form="WEB"),  # no aggregate moves
           "uden-start": vh_line("uden-start", cpr=P[10], start="20230615")}
    mar = {**feb,
           "start": vh_line("start-senere", cpr=P[6], kode="1.8.2", start="20230415", slut="20231130", ophold="2"),
           "ophold": vh_line("ophold", cpr=P[9], kode="1.8.1", start="20230301", slut="20230430", ophold="1")}
    del mar["slettes"]
    apr = {**mar, "sen": vh_line("sen", cpr=P[11], start="20220301", slut="20220531")}  # an old period

    cpr = {p: cpr_line(p, foedt="19700101") for p in P[:10] + P[11:]} | {c: cpr_line(c, foedt="20150101") for c in C}
    cpr_feb = cpr | {P[1]: cpr_line(P[1], foedt="19750615")}  # birth date corrected
    cpr_mar = cpr_feb | {P[0]: cpr_line(P[0], foedt="19700101", doed="20231115"),  # death registered late
                         P[10]: cpr_line(P[10], foedt="19700101")}  # a recipient's first record
    udsatte = [maaling("m0", C[0], "20230101"), maaling("m1", C[1], "20230201", "20231031"),
               maaling("m2", C[2], "20230301", "20230930")]
    udsatte_feb = [udsatte[0], maaling("m1", C[1], "20230201", "20230531"), udsatte[2]]
    return {
        "2024-01": {"vh": [*fast, *vh.values()], "cpr": list(cpr.values()), "udsatte": udsatte,
                    "skole": [elev(c) for c in C], "oekonomi": [konto("202312", "100,00"), konto("202401", "50,00")]},
        "2024-02": {"vh": [*fast, *feb.values()], "cpr": list(cpr_feb.values()), "udsatte": udsatte_feb,
                    "skole": [elev(C[0]), elev(C[1], "3.0")], "oekonomi": [konto("202402", "60,00")]},
        "2024-03": {"vh": [*fast, *mar.values()], "cpr": list(cpr_mar.values()), "udsatte": udsatte_feb[:2],
                    "skole": [elev(C[0]), elev(C[1])],
                    "oekonomi": [konto("202312", "75,00"), konto("202403", "70,00")]},  # December replaced
        "2024-04": {"vh": [*fast, *apr.values()], "cpr": list(cpr_mar.values()), "udsatte": udsatte_feb[:2],
                    "skole": [elev(C[0]), elev(C[1])], "oekonomi": [konto("202404", "80,00")]},
    }


SYSTEM = {"vh": (101, "NEXUS"), "cpr": (0, "CPR"), "udsatte": (101, "DUBU"), "skole": (101, "TEA"),
          "oekonomi": (101, "OPUS")}
SKEMAER = ("harmoniseret", "datamart", "noegletal", "datapakker", "rapporter")
# The stock a row was computed from: an incremental run leaves a period it did not need to
# recompute with the earlier (equal) stock's month, a rebuild gives every row the newest. It stays
# inside FLIS (lineage for the steward); the packages leave it out and are byte for byte a rebuild's.
AFHAENGER_AF_KOERSLEN = {"indlaesningsmaaned"}


def sensorens_perioder(tick) -> dict[str, list[date]]:
    """Per requested asset the periods of the sensor's backfill."""
    (req,) = tick.run_requests
    subset = req.asset_graph_subset
    return {k.to_user_string(): sorted(date.fromisoformat(p) for p in subset.get_partitions_subset(k).get_partition_keys())
            for k in subset.asset_keys}


@pytest.fixture(scope="module")
def rettet(tmp_path_factory):
    from flis_assets import run
    from flis_assets.defs.dsa.aendrede_perioder import perioder_til_genberegning
    from flis_assets.resources import duckdb_resource

    roots = {"stegvis": tmp_path_factory.mktemp("r_stegvis"), "samlet": tmp_path_factory.mktemp("r_samlet")}
    mp = pytest.MonkeyPatch()
    mp.delenv("FLIS_DUCKDB", raising=False)
    out = {"sensor": {}, "flis_materialize": {}}
    with dg.DagsterInstance.ephemeral() as inst:
        f = Flis(roots["stegvis"], inst)
        mp.setenv("FLIS_DATA_DIR", str(f.root))
        defs = build_defs()  # its DuckDB resource in this data root
        cursor = None
        for m, leverancer in rettelser().items():
            for kilde, lines in leverancer.items():
                f.deliver(kilde, m, *SYSTEM[kilde], m.replace("-", "") + "05", lines)
            assert f.materialize(m, perioder=False).ok
            tick = genberegn_aendrede_perioder.evaluate_tick(
                dg.build_sensor_context(instance=inst, cursor=cursor, definitions=defs))
            cursor = tick.cursor
            out["sensor"][m] = sensorens_perioder(tick)
            with duckdb_resource().get_connection() as con:
                out["flis_materialize"][m] = perioder_til_genberegning(con, [date.fromisoformat(m + "-01")])
            perioder = out["sensor"][m]["harmoniseret/vh_ydelser"]
            outcome = run.Outcome(maaneder=[])
            run.materialize_periods(defs, perioder, inst, outcome, progress=False)
            assert outcome.ok, outcome
        out["stegvis"] = f
    with dg.DagsterInstance.ephemeral() as inst:
        g = Flis(roots["samlet"], inst)
        mp.setenv("FLIS_DATA_DIR", str(g.root))
        shutil.copytree(f.root / "incoming", g.root / "incoming")
        assert g.materialize(MAANEDER[0], MAANEDER[-1]).ok
        out["samlet"] = g
    mp.setenv("FLIS_DATA_DIR", str(f.root))
    yield out
    mp.undo()


def tabeller(f: Flis) -> list[str]:
    return f.sql(f"""SELECT table_schema || '.' || table_name AS t FROM information_schema.tables
                     WHERE table_schema IN {SKEMAER} AND table_type = 'BASE TABLE' ORDER BY 1""")["t"].to_list()


def indhold(f: Flis, table: str):
    cols = [c for c in f.sql(f"SELECT * FROM {table} LIMIT 0").columns if c not in AFHAENGER_AF_KOERSLEN]
    return f.sql(f"SELECT {', '.join(cols)} FROM {table} ORDER BY ALL")


def test_every_table_equals_a_full_rebuild_after_corrections(rettet):
    a, b = rettet["stegvis"], rettet["samlet"]
    assert tabeller(a) == tabeller(b)
    assert {"harmoniseret.vh_ydelser", "datamart.vh_dimensioner", "noegletal.kube", "datapakker.vh_individ",
            "harmoniseret.udsatte_foranstaltninger", "datamart.vh_udgifter"} <= set(tabeller(a))
    forskellige = [t for t in tabeller(a) if not indhold(a, t).equals(indhold(b, t))]
    assert forskellige == []
    assert a.sql("SELECT count(*) AS n FROM harmoniseret.vh_ydelser")["n"][0] > 0




def test_every_package_file_equals_a_full_rebuild_after_corrections(rettet):
    a, b = (rettet[k].root / "datapakker" for k in ("stegvis", "samlet"))
    filer = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert filer == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert any(p.parts[1] == "2023-01" and p.name == "vh_individ.csv" for p in filer)
    # the reported case: an end moved earlier shows in the months long before either end
    individ = pl.read_csv(a / "101" / "2023-02" / "vh_individ.csv", separator=";", infer_schema=False)
    assert individ.filter(pl.col("ydelse_id") == "slut-tidligere")["slutdato"].to_list() == ["2023-06-15"]
    assert [str(p) for p in filer if (a / p).read_bytes() != (b / p).read_bytes()] == []


def test_the_sensor_requests_what_flis_materialize_recomputes(rettet):
    for m, perioder in rettet["sensor"].items():
        assert set(perioder) >= {"harmoniseret/vh_ydelser", "datamart/vh_dimensioner", "noegletal/kube",
                                 "datapakker/filer"}
        assert all(p == rettet["flis_materialize"][m] for p in perioder.values()), m
    maaneder = [f"{p:%Y-%m}" for p in rettet["sensor"]["2024-02"]["harmoniseret/vh_ydelser"]]
    # February: slutdato 2023-09-10 -> 2023-06-15 touches 2023-01..2023-09 (the line from 2023-01-05),
    # a field no figure counts touches 2023-04..07, the placed line 2023-06 on; with the rest of 2023
    assert maaneder == [f"2023-{i:02d}" for i in range(1, 13)] + ["2024-01", "2024-02"]


def test_the_sensor_counts_a_period_done_only_when_its_first_layer_read_the_new_stock(flis):
    """A run that read the stock before the load month (its harmoniseret step ran first) and wrote
    its package files after it has not recomputed the period."""
    flis.deliver("vh", "2024-01", 101, "NEXUS", "20240105", [vh_line("a", start="20231101")])
    assert flis.materialize("2024-01", perioder=False).ok
    defs = build_defs()
    graph = defs.resolve_asset_graph()
    foerste = [k for k in graph.get_all_asset_keys() if graph.get(k).group_name == "harmoniseret"]
    perioder = ["2023-11-01", "2023-12-01", "2024-01-01"]

    def meld(keys):
        for key in keys:
            for p in perioder:
                flis.instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=key, partition=p))

    def tick():
        return genberegn_aendrede_perioder.evaluate_tick(dg.build_sensor_context(instance=flis.instance,
                                                                                 definitions=defs))

    meld([dg.AssetKey(["datapakker", "filer"])])
    (req,) = tick().run_requests
    assert sorted(req.asset_graph_subset.get_partitions_subset(foerste[0]).get_partition_keys()) == perioder
    meld(foerste)
    meld([dg.AssetKey(["datapakker", "filer"])])
    assert tick().skip_message == ("Indlæsningsmåned 2024-01 er behandlet, og de 3 perioder, der skulle "
                                   "genberegnes, er allerede genberegnet.")
