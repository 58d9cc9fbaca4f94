"""The area platform: every folder under flis_assets/omraader is an area that describes itself, and a
new area is a new folder (no shared module edited): proven with a toy area run through the real graph."""

import json
import re
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flis_assets import kodelister, omraader, snitflader
from flis_assets.omraader import Omraade


def test_every_folder_is_an_area_with_unique_name_and_prefix():
    found = omraader.omraader()
    assert {o.navn for o in found} == {p.name for p in omraader.mapper()}
    assert len({o.praefiks for o in found}) == len(found)
    for o in found:
        assert o.titel and o.assets(), o.navn  # every area has assets of its own


def test_every_source_belongs_to_an_area_folder():
    for k in snitflader.kilder().values():
        assert (omraader.omraade(k.omraade).mappe / "kilder.csv").exists(), k.kilde
        assert k.aendringstype in snitflader.AENDRINGSTYPER


def test_an_area_code_list_must_carry_the_area_prefix(tmp_path, monkeypatch):
    (tmp_path / "dagtilbud" / "kodelister").mkdir(parents=True)
    (tmp_path / "dagtilbud" / "__init__.py").write_text("")
    (tmp_path / "dagtilbud" / "kodelister" / "institutioner.csv").write_text("kode;navn\n1;Vuggestue\n")
    monkeypatch.setattr(omraader, "__path__", [str(tmp_path)])
    monkeypatch.setattr(omraader, "omraader", lambda: (Omraade(navn="dagtilbud", titel="Dagtilbud", praefiks="dagtilbud"),))
    kodelister._stier.cache_clear()
    try:
        with pytest.raises(ValueError, match="skal hedde dagtilbud_"):
            kodelister.names()
        (tmp_path / "dagtilbud" / "kodelister" / "institutioner.csv").rename(
            tmp_path / "dagtilbud" / "kodelister" / "dagtilbud_institutioner.csv")
        kodelister._stier.cache_clear()
        kodelister.load.cache_clear()
        assert "dagtilbud_institutioner" in kodelister.names()
        assert kodelister.load("dagtilbud_institutioner")["navn"].to_list() == ["Vuggestue"]
    finally:
        kodelister._stier.cache_clear()
        kodelister.load.cache_clear()


TOY_INIT = '''
from flis_assets.omraader import Omraade


def _assets():
    from flis_assets import snitflader
    from flis_assets.defs.dsa.nyeste_bestand import nyeste_bestand_asset
    from flis_assets.defs.periodetabeller import periode_assets

    return [nyeste_bestand_asset(snitflader.kilde("dagtilbud")), *periode_assets("harmoniseret", "dagtilbud", {
        "harmoniseret.dagtilbud_boern": (
            "SELECT d.indlaesningsmaaned AS periode, d.kommunekode, d.cpr, i.navn AS institutionstype "
            "FROM dsa.dagtilbud d JOIN kodelister.dagtilbud_institutionstyper i ON i.kode = d.institutionstype "
            "WHERE d.indlaesningsmaaned BETWEEN $fra AND $til",
            [["dsa", "dagtilbud"]], "Indskrevne børn ved periodens udgang."),
    })]


OMRAADE = Omraade(navn="dagtilbud", titel="Dagtilbud", praefiks="dagtilbud", assets=_assets)
'''

SCRIPT = '''
import json, sys
from datetime import date
import flis_assets.omraader
flis_assets.omraader.__path__.append(sys.argv[1])
import dagster as dg
from flis_assets import run
from flis_assets.definitions import build_defs
from flis_assets.resources import duckdb_resource

defs = build_defs()
keys = sorted(k.to_user_string() for a in defs.assets for k in a.keys)
with dg.DagsterInstance.ephemeral() as inst:
    outcome = run.materialize(defs, date(2024, 3, 1), date(2024, 3, 1), inst=inst, progress=False)
with duckdb_resource().get_connection() as con:
    rows = con.sql("SELECT periode::VARCHAR, kommunekode, institutionstype FROM harmoniseret.dagtilbud_boern").fetchall()
print(json.dumps({"keys": keys, "rows": rows}))
'''


def test_a_new_area_is_a_new_folder(tmp_path):
    """A toy area Dagtilbud: its folder alone (snitflade, code list, assets) lands its delivery and
    builds its table through the real graph, beside every other area."""
    area = tmp_path / "omraader" / "dagtilbud"
    (area / "kodelister").mkdir(parents=True)
    (area / "__init__.py").write_text(TOY_INIT)
    (area / "kilder.csv").write_text("kilde;praefiks;encoding;fagsystemer;beskrivelse;unik_noegle;aendringstype;borger\n"
                                     "dagtilbud;DAGTILBUD;utf-8;;Dagtilbud, indskrevne børn;;maaned;\n")
    (area / "felter.csv").write_text("kilde;nr;felt;felttype;beskrivelse\n"
                                     "dagtilbud;1;cpr;cpr;barnet\ndagtilbud;2;institutionstype;ciffer1;\n")
    (area / "kodelister" / "dagtilbud_institutionstyper.csv").write_text("kode;navn\n1;Vuggestue\n2;Børnehave\n")
    data = tmp_path / "data"
    folder = data / "incoming" / "dagtilbud" / "2024-03"
    folder.mkdir(parents=True)
    (folder / "DAGTILBUD_101_BOERN_FULD_20240305.csv").write_text("0101201234;1\n0202201234;2\n")
    env = {**os.environ, "FLIS_DATA_DIR": str(data), "FLIS_DUCKDB": str(data / "flis.duckdb")}
    env.pop("DAGSTER_HOME", None)
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "omraader")], env=env, capture_output=True,
                          text=True, timeout=300, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"raadata/dagtilbud", "dsa/dagtilbud", "harmoniseret/dagtilbud_boern", "dsa/vh"} <= set(out["keys"])
    assert sorted(map(tuple, out["rows"])) == [("2024-03-01", 101, "Børnehave"), ("2024-03-01", 101, "Vuggestue")]


def test_the_platform_imports_no_area():
    """The layers, the check factory, the catalogues and the command line learn the areas from
    `omraader.omraader()`; none imports an area's module (the generator's orchestration of the first
    five areas, which build on one simulated population, is the documented exception)."""
    rod = Path(__file__).parents[2] / "flis_assets"
    platform = [*(rod / "defs").rglob("*.py"), *(rod / "checks").rglob("*.py"), *(rod / "snitflader").rglob("*.py"),
                *(rod / "kodelister").rglob("*.py"), *rod.glob("*.py")]
    omraader_navne = "|".join(o.navn for o in omraader.omraader())
    moenster = re.compile(rf"omraader(\.| import )({omraader_navne})\b")
    fund = [f"{p.relative_to(rod)}: {linje.strip()}" for p in platform
            for linje in p.read_text(encoding="utf-8").splitlines() if moenster.search(linje)]
    assert fund == []
