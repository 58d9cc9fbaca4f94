"""The `datavalidering` package: a subscribing kommune's own failing check keys, no one else's."""

import json

import polars as pl
import pytest

from flis_assets_tests.conftest import module_flis, vh_line


@pytest.fixture(scope="module")
def pakker(tmp_path_factory):
    """March: one line of København's and one of Frederiksberg's end before they start."""
    with module_flis(tmp_path_factory, "datavalidering") as f:
        f.deliver("vh", "2024-03", 101, "NEXUS", "20240305", [vh_line("k1", handle="101"),
                                                                  vh_line("k2", handle="101", start="20230301", slut="20230101")])
        f.deliver("vh", "2024-03", 147, "NEXUS", "20240305",
                  [vh_line("f1", handle="147", betaling="147"),
                   vh_line("f2", handle="147", betaling="147", start="20230201", slut="20230101")])
        f.reference("abonnementer.csv", "kommunekode;pakke\n101;datavalidering\n147;datavalidering\n")
        assert f.materialize("2024-03", perioder=False).ok
        assert f.materialize_periods("2024-03", "2024-03").ok
        yield f


def pakke(f, kommune: int) -> pl.DataFrame:
    return pl.read_parquet(f.root / "datapakker" / f"{kommune:03d}" / "2024-03" / "datavalidering.parquet")


def test_each_kommune_gets_its_own_failing_keys_only(pakker):
    for kommune, ydelse in ((147, "f2"), (101, "k2")):
        egne = pakke(pakker, kommune)
        assert (egne["kommunekode"] == kommune).all()
        gyldighed = egne.filter(pl.col("tjek") == "dsa/vh:gyldighedsregler")
        assert gyldighed["regel"].to_list() == ["SLUTDATO_FOER_STARTDATO (dsa.vh gyldighed)"]
        noegle = json.loads(gyldighed["noegle"][0])
        assert noegle["ydelse_id"] == ydelse and noegle["kommunekode"] == str(kommune)
        assert not any("cpr" in k for k in noegle)


def test_it_is_a_package_of_its_own_that_a_kommune_subscribes_to(pakker):
    """Every kommune gets it by default (test_datapakker); subscribed alone, it is the package alone."""
    from flis_assets.defs.datapakker import katalog

    assert not katalog.pakke("datavalidering").kun_med_abonnement
    manifest = json.loads((pakker.root / "datapakker/147/2024-03/manifest.json").read_text())
    assert {e["fil"] for e in manifest["filer"]} == {"datavalidering.parquet", "datavalidering.csv"}
