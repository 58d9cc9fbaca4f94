"""Data packages: files and manifest per subscribing kommune, own lines only, discretion blocks."""

import hashlib
import io
import json
from datetime import date

import polars as pl
import pytest

from flis_assets_tests.conftest import module_flis, cpr_line, vh_line

PEOPLE = [f"{i:02d}0180{2000 + i}" for i in range(1, 9)]


PRIMARY_ONLY = """SELECT periode, handlekommune, ydelseskode,
        CASE WHEN unikke_modtagere < 5 THEN NULL ELSE unikke_modtagere END AS unikke_modtagere,
        CASE WHEN unikke_modtagere < 5 THEN NULL ELSE helaarsmodtagere END AS helaarsmodtagere,
        godkendt_dst, unikke_modtagere < 5 AS diskretioneret,
        CASE WHEN unikke_modtagere < 5 THEN 'primaer' END AS diskretion_aarsag
    FROM datamart.vh_benchmark WHERE periode BETWEEN $fra AND $til"""


def deliver(f):
    f.deliver("cpr", "2024-03", 0, "CPR", "20240305",
              [cpr_line(c, foedt="19800101", bopael="101" if i < 6 else "147") for i, c in enumerate(PEOPLE)])
    lines = [vh_line(f"k{i}", cpr=c, kode="1.8.1", start="20230101", ophold="1") for i, c in enumerate(PEOPLE[:6])]
    lines += [vh_line(f"f{i}", cpr=c, handle="147", betaling="147", kode="1.8.2", start="20230101", ophold="2")
              for i, c in enumerate(PEOPLE[6:])]
    lines += [vh_line("i-v", cpr=PEOPLE[0], handle="183", betaling="187", start="20230101")]
    f.deliver("vh", "2024-03", 101, "NEXUS", "20240305", lines)


@pytest.fixture(scope="module")
def pk(tmp_path_factory):
    with module_flis(tmp_path_factory, "pk") as f:
        deliver(f)
        outcome = f.materialize("2024-03", perioder=False)
        outcome = f.materialize_periods("2024-03", "2024-03")
        assert outcome.ok, outcome
        yield f


def folder(pk, kommune):
    return pk.root / "datapakker" / f"{kommune:03d}" / "2024-03"


def test_every_kommune_in_the_data_gets_every_package_with_manifest(pk):
    for kommune in (101, 147, 187):
        files = sorted(p.name for p in folder(pk, kommune).iterdir())
        tables = ("noegletal", "noegletal_populationer", "vh_datamart", "vh_individ", "vh_regelrapport",
                  "vh_hand07_benchmark", "skole_individ", "udsatte_individ", "datavalidering",
                  "aeldre_datamart", "aeldre_individ", "borger_befolkning", "borger_bevaegelser", "borger_flytninger",
                  "oekonomi_regnskab", "oekonomi_populationer")
        assert files == sorted(["manifest.json"] + [f"{t}.{e}" for t in tables for e in ("parquet", "csv")])
        manifest = json.loads((folder(pk, kommune) / "manifest.json").read_text())
        assert manifest["kommunekode"] == f"{kommune:03d}" and manifest["periode"] == "2024-03"
        for entry in manifest["filer"]:
            data = (folder(pk, kommune) / entry["fil"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            if entry["fil"].endswith(".parquet"):
                assert pl.read_parquet(data).height == entry["raekker"]


def test_individual_package_holds_only_the_kommunes_own_lines(pk):
    own = pl.read_parquet(folder(pk, 147) / "vh_individ.parquet")
    assert sorted(own["ydelse_id"]) == ["f0", "f1"] and set(own["handlekommune"]) == {147}
    # Ishøj reports for Vallensbæk: the line is Vallensbæk's, not Ishøj's
    assert pl.read_parquet(folder(pk, 187) / "vh_individ.parquet")["ydelse_id"].to_list() == ["i-v"]
    assert "cpr" not in pl.read_parquet(folder(pk, 101) / "vh_datamart.parquet").columns


def test_csv_opens_in_danish_excel(pk):
    raw = (folder(pk, 101) / "noegletal.csv").read_bytes()
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8-sig").splitlines()
    assert text[0].startswith("niveau;omraade;noegletal_id;vaerdi;taeller;naevner;individer")
    row = next(line for line in text if line.startswith("land;Danmark;vh_modtagere_laengerevarende_pr_1000;"))
    assert row.split(";")[3:6] == ["750,0", "6,0", "8,0"]  # 1000 × 6 full-time recipients ÷ 8 aged 18-64


@pytest.mark.parametrize("line_break", [False, True])
def test_each_kommunes_files_are_its_rows_written_alone(line_break):
    """A table is encoded once and cut per kommune: each part is what its rows alone give."""
    from flis_assets.defs.datapakker.pakker import _csv_bytes, _files, _parts

    frame = pl.DataFrame({"tekst": ["a", "b;c", None, "d\ne" if line_break else "d", ""],
                          "tal": [1.5, None, 2.0, 1e-7, 3.25], "dato": [date(2024, 3, 1), None, None, None, None]})
    heights = [2, 0, 3]
    for start, n, part in zip([0, 2, 2], heights, _parts(frame, heights)):
        files = _files(part)
        rows = frame.slice(start, n)
        assert files["csv"][0] == _csv_bytes(rows) and files["csv"][0].startswith(b"\xef\xbb\xbftekst;tal;dato\n")
        assert pl.read_parquet(io.BytesIO(files["parquet"][0])).equals(rows)
        for data, digest, raekker in files.values():
            assert digest == hashlib.sha256(data).hexdigest() and raekker == n


def test_discretion_in_the_datamart_package(pk):
    dm = pl.read_parquet(folder(pk, 101) / "vh_datamart.parquet")
    frb = dm.filter(pl.col("handlekommune") == 147).row(0, named=True)
    assert frb["diskretioneret"] and frb["unikke_modtagere"] is None and frb["helaarsmodtagere"] is None
    assert frb["diskretion_aarsag"] == "primaer"
    # København's six on 1.8.1 are the cube's secondary cell beside Frederiksberg's none (the region
    # minus København would give Frederiksberg away): the benchmark package withholds them too
    kube = pl.read_parquet(folder(pk, 101) / "noegletal.parquet").filter(
        (pl.col("noegletal_id") == "vh_modtagere_laengerevarende_pr_1000") & (pl.col("omraade") == "101"))
    assert kube["diskretion_aarsag"].to_list() == ["sekundaer"]
    kbh = dm.filter((pl.col("handlekommune") == 101) & (pl.col("ydelseskode") == "1.8.1")).row(0, named=True)
    assert kbh["unikke_modtagere"] is None and kbh["diskretion_aarsag"] == "sekundaer"


def test_subscriptions_choose_kommuner_and_packages(flis):
    deliver(flis)
    flis.reference("abonnementer.csv", "kommunekode;pakke\n147;noegletal\n147;vh_individ\n")
    flis.materialize("2024-03", perioder=False)
    assert flis.materialize_periods("2024-03", "2024-03").ok
    assert sorted(p.name for p in (flis.root / "datapakker").iterdir()) == ["147"]
    assert sorted(p.name for p in (flis.root / "datapakker/147/2024-03").iterdir()) == [
        "manifest.json", "noegletal.csv", "noegletal.parquet", "noegletal_populationer.csv",
        "noegletal_populationer.parquet", "vh_individ.csv", "vh_individ.parquet"]


def med_sql(monkeypatch, table: str, sql: str) -> None:
    """The catalogue with package table `table` (`datapakker.<navn>`) staged by `sql` instead."""
    import dataclasses

    from flis_assets.defs.datapakker import katalog

    orig, navn = katalog.pakker, table.removeprefix("datapakker.")
    monkeypatch.setattr(katalog, "pakker", lambda: tuple(
        dataclasses.replace(p, tabeller=tuple(dataclasses.replace(t, sql=sql) if t.navn == navn else t
                                              for t in p.tabeller)) for p in orig()))


def assert_never_written(flis, monkeypatch, table: str, sql: str, check: str) -> None:
    """With `table` staged by `sql`, the blocking `check` fails and no package file is written."""
    med_sql(monkeypatch, table, sql)
    flis.materialize("2024-03", perioder=False)
    outcome = flis.materialize_periods("2024-03", "2024-03")
    assert f"datapakker/indhold:{check} (2024-03)" in outcome.fejlede_blokerende
    assert not (flis.root / "datapakker").exists()


def test_a_package_that_would_show_fewer_than_five_is_never_written(flis, monkeypatch):
    deliver(flis)
    leaking = "SELECT *, false AS diskretioneret, NULL AS diskretion_aarsag FROM datamart.vh_benchmark " \
              "WHERE periode BETWEEN $fra AND $til"
    assert_never_written(flis, monkeypatch, "datapakker.vh_datamart", leaking, "diskretion")


def test_a_package_combining_two_areas_individuals_is_never_written(flis, monkeypatch):
    """skole_individ with a column from Udsatte would list the individuals behind a linked figure."""
    deliver(flis)
    linked = """SELECT e.periode, e.kommunekode AS modtager, e.* EXCLUDE (periode), u.foranstaltningstype
                FROM harmoniseret.skole_elever e LEFT JOIN harmoniseret.udsatte_foranstaltninger u USING (periode, cpr)
                WHERE e.periode BETWEEN $fra AND $til"""
    assert_never_written(flis, monkeypatch, "datapakker.skole_individ", linked, "ingen_koblede_individlister")


def test_a_package_with_another_kommunes_pupils_is_never_written(flis, monkeypatch):
    """skole_individ handed to every kommune in the data, not just the schools' own."""
    deliver(flis)
    flis.deliver("skole", "2024-03", 147, "TEA", "20240305", [f"{PEOPLE[6]};123456;3;ALMEN;0.0;20"])
    everyones = """SELECT e.periode, k.kommunekode AS modtager, e.* EXCLUDE (periode)
                   FROM harmoniseret.skole_elever e, (SELECT 101 AS kommunekode UNION ALL SELECT 147) k
                   WHERE e.periode BETWEEN $fra AND $til"""
    assert_never_written(flis, monkeypatch, "datapakker.skole_individ", everyones, "kun_egne_individer")
    e = flis.check_evaluations(["datapakker/indhold:kun_egne_individer"], "2024-03")
    shown = str({k: v.value for k, v in next(iter(e.values())).metadata.items()})
    assert "ANDEN_KOMMUNES_ELEV" in shown and PEOPLE[6] not in shown  # the school, never the CPR number


def test_a_benchmark_package_undoing_the_cubes_secondary_suppression_is_never_written(flis, monkeypatch):
    """The benchmark rows with the primary rule alone show København's 1.8.1, the cube's secondary cell."""
    deliver(flis)
    assert_never_written(flis, monkeypatch, "datapakker.vh_datamart", PRIMARY_ONLY, "diskretion")



def deliver_one_beside_five(f):
    """København: five recipients of each of five of the six ydelser and one of 1.18.2; Frederiksberg two
    of 1.8.1 and 1.8.2; Ballerup five of 1.12.0.2, the cheaper cover for the six-ydelse figure's region.
    Residents of Frederiksberg, Ballerup and Brøndby cover København's 1.8.1 and 1.8.2 figures."""
    people = [f"{i % 28 + 1:02d}0180{3000 + i}" for i in range(37)]
    bopael = ["101"] * 26 + ["147"] * 4 + ["151"] * 5 + ["153"] * 2
    f.deliver("cpr", "2024-03", 0, "CPR", "20240305", [cpr_line(c, foedt="19800101", bopael=b) for c, b in zip(people, bopael)])
    mine = [("1.8.1", "1"), ("1.8.2", "2"), ("1.12.0.1", ""), ("1.12.0.2", ""), ("1.18.1", "")]
    lines = [vh_line(f"k{i}", cpr=people[i], kode=kode, ophold=ophold, start="20230101")
             for n, (kode, ophold) in enumerate(mine) for i in range(5 * n, 5 * n + 5)]
    lines.append(vh_line("k25", cpr=people[25], kode="1.18.2", start="20230101"))
    lines += [vh_line(f"f{i}", cpr=people[26 + i], handle="147", betaling="147", kode=kode, ophold=ophold, start="20230101")
              for i, (kode, ophold) in enumerate([("1.8.1", "1"), ("1.8.1", "1"), ("1.8.2", "2"), ("1.8.2", "2")])]
    lines += [vh_line(f"b{i}", cpr=people[30 + i], handle="151", betaling="151", start="20230101") for i in range(5)]
    f.deliver("vh", "2024-03", 101, "NEXUS", "20240305", lines)


def test_a_lone_withheld_row_under_a_shown_figure_over_six_ydelser_takes_another_with_it(flis):
    """The figure minus København's five other rows would be the one recipient of 1.18.2: 1.12.0.1 (the
    first of the cheapest free rows; 1.8.1 and 1.8.2 are published by their own figures) goes too."""
    deliver_one_beside_five(flis)
    flis.materialize("2024-03", perioder=False)
    assert flis.materialize_periods("2024-03", "2024-03").ok
    kube = pl.read_parquet(folder(flis, 101) / "noegletal.parquet").filter(pl.col("omraade") == "101")
    vist = dict(kube.select("noegletal_id", "individer").rows())
    assert vist["vh_udgift_pr_modtager_botilbud_sps"] == 26 and vist["vh_modtagere_laengerevarende_pr_1000"] == 5
    dm = pl.read_parquet(folder(flis, 101) / "vh_datamart.parquet").filter(pl.col("handlekommune") == 101)
    assert dm.height == 13  # every ydelse, the empty ones withheld as under five
    skjult = dict(dm.filter("diskretioneret").select("ydelseskode", "diskretion_aarsag").rows())
    assert skjult.pop("1.18.2") == "primaer" and skjult.pop("1.12.0.1") == "sekundaer"
    assert set(skjult.values()) == {"primaer"} and not dm.filter(pl.col("ydelseskode").is_in(list(skjult)))[
        "ydelseskode"].is_in(["1.8.1", "1.8.2", "1.12.0.2", "1.18.1"]).any()


def test_a_benchmark_package_giving_a_row_away_through_a_figure_is_never_written(flis, monkeypatch):
    deliver_one_beside_five(flis)
    assert_never_written(flis, monkeypatch, "datapakker.vh_datamart", PRIMARY_ONLY, "benchmark_kan_ikke_udregnes")
    e = flis.check_evaluations(["datapakker/indhold:benchmark_kan_ikke_udregnes"], "2024-03")
    shown = str({k: v.value for k, v in next(iter(e.values())).metadata.items()})
    assert "RAEKKE_KAN_UDREGNES_AF_NOEGLETAL" in shown and "1.18.2" in shown
