"""Package files that hold up: a failing month holds back only itself, folders are replaced whole,
the same inputs give the same bytes, no package for an unknown kommune, write errors say where."""

import errno
import hashlib
import json
import re
import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from flis_assets.defs.datapakker import pakker
from flis_assets_tests.conftest import vh_line
from flis_assets.omraader.voksenhandicap.datapakker import VH_DATAMART_SQL
from flis_assets_tests.datapakker.test_datapakker import PEOPLE, deliver, med_sql, pk  # noqa: F401 - pk: the module's fixture

MARTS = date(2024, 3, 1)
FILER = dg.AssetKey(["datapakker", "filer"])


@pytest.fixture
def kopi(pk, tmp_path, monkeypatch):  # noqa: F811
    """A copy of `pk`'s data root (DuckDB and packages) as the data root, and a connection to it."""
    for name in ("flis.duckdb", "flis.duckdb.wal"):
        if (pk.root / name).exists():
            shutil.copy(pk.root / name, tmp_path / name)
    shutil.copytree(pk.root / "datapakker", tmp_path / "datapakker")
    monkeypatch.setenv("FLIS_DATA_DIR", str(tmp_path))
    with duckdb.connect(str(tmp_path / "flis.duckdb")) as con:
        yield tmp_path, con


def snapshot(root: Path) -> dict[str, bytes]:
    """Every entry under `root/datapakker` (hidden ones too) with its bytes; folders as b''."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else b"")
            for p in sorted((root / "datapakker").rglob("*"))}


def write(con, months=(MARTS,)) -> list[tuple[date, int]]:
    return list(pakker.write_files(con, list(months)))


def fail_after(monkeypatch, n: int, error: OSError, only: str | None = None) -> None:
    """Every file write after the first `n` (of files named `only`, if given) fails with `error`."""
    real, calls = Path.write_bytes, []

    def write_bytes(self, data):
        if only is None or self.name == only:
            calls.append(self.name)
            if len(calls) > n:
                raise error
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)


# 1. A failing month holds back only itself

ONE_MONTH_LEAKS = f"""
SELECT * FROM ({VH_DATAMART_SQL}) WHERE periode <> DATE '2024-02-01'
UNION ALL BY NAME
SELECT *, false AS diskretioneret, NULL::VARCHAR AS diskretion_aarsag FROM datamart.vh_benchmark
WHERE periode BETWEEN $fra AND $til AND periode = DATE '2024-02-01'
"""


def test_a_month_failing_a_blocking_check_holds_back_only_its_own_packages(flis, monkeypatch):
    """A ranged run over three months whose February shows Frederiksberg's two recipients: January and
    March are written (and recorded as materialised), February is not, and the run fails naming it."""
    deliver(flis)
    med_sql(monkeypatch, "datapakker.vh_datamart", ONE_MONTH_LEAKS)
    flis.materialize("2024-03", perioder=False)
    outcome = flis.materialize_periods("2024-01", "2024-03")

    assert not outcome.ok
    assert "datapakker/indhold:diskretion (2024-02)" in outcome.fejlede_blokerende
    assert not any("2024-01" in b or "2024-03" in b for b in outcome.fejlede_blokerende)
    [trin] = [t for t in outcome.fejlede_trin if t.startswith("datapakker__filer")]
    assert "Datapakkerne er ikke skrevet for 2024-02 (diskretion, " in trin
    assert trin.endswith("De øvrige perioder er skrevet: 2024-01, 2024-03.")
    for kommune in ("101", "147", "187"):
        assert sorted(p.name for p in (flis.root / "datapakker" / kommune).iterdir()) == ["2024-01", "2024-03"]
        assert (flis.root / "datapakker" / kommune / "2024-03" / "manifest.json").exists()
    assert flis.instance.get_materialized_partitions(FILER) == {"2024-01-01", "2024-03-01"}
    assert flis.sql("SELECT DISTINCT strftime(periode, '%Y-%m') AS p FROM datapakker.filer ORDER BY p")["p"].to_list() \
        == ["2024-01", "2024-03"]


def test_the_package_gate_judges_each_month_on_its_own(kopi):
    root, con = kopi
    con.execute("UPDATE datapakker.vh_datamart SET unikke_modtagere = 2, diskretioneret = false "
                "WHERE periode = ? AND handlekommune = 147 AND ydelseskode = '1.8.1'", [MARTS])
    from flis_assets.defs.datapakker.checks import afviste_perioder

    assert afviste_perioder(con, [date(2024, 2, 1), MARTS]) == {MARTS: ["diskretion"]}


# 2. Folders replaced whole

def test_a_write_failing_half_way_leaves_every_old_package_whole(kopi, monkeypatch):
    """A full disk after five files: no package folder changes, nothing half-written or temporary
    is left, and `datapakker.filer` still lists exactly the files on disk."""
    root, con = kopi
    before, listed = snapshot(root), con.sql("SELECT * FROM datapakker.filer ORDER BY ALL").pl()
    fail_after(monkeypatch, 5, OSError(errno.ENOSPC, "No space left on device"))

    with pytest.raises(Exception) as e:
        write(con)

    assert snapshot(root) == before
    assert con.sql("SELECT * FROM datapakker.filer ORDER BY ALL").pl().equals(listed)
    for row in listed.iter_rows(named=True):
        assert hashlib.sha256((root / row["fil"]).read_bytes()).hexdigest() == row["sha256"]
    assert re.fullmatch(r"Kan ikke skrive datapakken .+/datapakker/\d{3}/2024-03 \(\w+\.\w+\): "
                        r"der er ikke mere plads på disken", str(e.value))


def test_a_rewrite_replaces_each_folder_whole_and_the_manifest_matches(kopi):
    root, con = kopi
    stale = root / "datapakker" / "101" / "2024-03" / "gammel.csv"
    stale.write_bytes(b"fra en tidligere pakke\n")
    assert write(con) == [(MARTS, con.execute("SELECT count(*) FROM datapakker.filer").fetchone()[0])]
    for folder in (root / "datapakker").glob("*/2024-03"):
        manifest = json.loads((folder / "manifest.json").read_text())
        assert sorted(p.name for p in folder.iterdir()) == sorted(["manifest.json"] + [f["fil"] for f in manifest["filer"]])
    assert not stale.exists()
    assert not [p for p in (root / "datapakker").rglob(".*")]


def test_a_swap_failing_half_way_lists_exactly_the_folders_in_place(kopi, monkeypatch):
    """The first kommune's new folder is in place, the next one's swap fails: `datapakker.filer` lists
    the first's new files and the others' old ones, each with the checksum of the file on disk."""
    from flis_assets.defs.datapakker import mapper

    root, con = kopi
    con.execute("UPDATE datapakker.noegletal SET vaerdi = vaerdi + 1 WHERE vaerdi IS NOT NULL")
    before = snapshot(root)
    real, swaps = mapper.indsaet, []

    def indsaet(ny, mappe):
        swaps.append(mappe.parent.name)
        if len(swaps) == 2:
            raise mapper.SkrivefejlDatapakke(mappe, None, OSError(errno.EIO, "Input/output error"))
        real(ny, mappe)

    monkeypatch.setattr(mapper, "indsaet", indsaet)
    with pytest.raises(mapper.SkrivefejlDatapakke, match=r"/datapakker/147/2024-03: disken gav en I/O-fejl$"):
        write(con)

    after = snapshot(root)
    assert swaps == ["101", "147"] and sorted(after) == sorted(before)  # no leftovers, no missing files
    assert after["datapakker/101/2024-03/noegletal.csv"] != before["datapakker/101/2024-03/noegletal.csv"]
    assert all(after[f] == before[f] for f in before if not f.startswith("datapakker/101/"))
    listed = con.sql("SELECT fil, sha256 FROM datapakker.filer").pl()
    assert set(listed["fil"]) == {f for f, data in after.items() if data and not f.endswith("manifest.json")}
    for fil, digest in listed.rows():
        assert hashlib.sha256(after[fil]).hexdigest() == digest


def test_what_a_killed_run_left_is_cleared_before_the_next_write(tmp_path):
    """A new folder never swapped in goes; an old folder moved aside with nothing in its place comes back."""
    from flis_assets.defs.datapakker import mapper

    rod = tmp_path / "datapakker"
    (rod / "101" / "2024-03").mkdir(parents=True)
    (rod / "101" / "2024-03" / "manifest.json").write_text("{}")
    halv = rod / "101" / f".2024-03.ny-{'a' * 32}"
    halv.mkdir()
    (halv / "noegletal.csv").write_text("halv")
    (rod / "147" / f".2024-03.gammel-{'b' * 32}").mkdir(parents=True)
    (rod / "147" / f".2024-03.gammel-{'b' * 32}" / "manifest.json").write_text("{}")
    (rod / "183" / f".2024-02.gammel-{'c' * 32}").mkdir(parents=True)  # swapped out, its successor in place
    (rod / "183" / "2024-02").mkdir()
    (rod / "183" / ".skjult").mkdir()  # not ours: left alone

    mapper.ryd_op(rod)

    assert sorted(str(p.relative_to(rod)) for p in rod.rglob("*")) == [
        "101", "101/2024-03", "101/2024-03/manifest.json", "147", "147/2024-03", "147/2024-03/manifest.json",
        "183", "183/.skjult", "183/2024-02"]


@pytest.mark.parametrize("ombyt", [True, False], ids=["renameat2", "two_renames"])
def test_a_folder_is_swapped_whole(tmp_path, monkeypatch, ombyt):
    """With Linux's exchange or, where there is none, two renames: the new folder, nothing else."""
    from flis_assets.defs.datapakker import mapper

    if not ombyt:
        monkeypatch.setattr(mapper, "_ombyt", lambda a, b: False)
    mappe = tmp_path / "101" / "2024-03"
    mapper.indsaet(mapper.skriv_mappe(mappe, [("a.csv", b"gammel"), ("manifest.json", b"1")]), mappe)
    mapper.indsaet(mapper.skriv_mappe(mappe, [("b.csv", b"ny"), ("manifest.json", b"2")]), mappe)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == [
        "101", "101/2024-03", "101/2024-03/b.csv", "101/2024-03/manifest.json"]
    assert (mappe / "manifest.json").read_bytes() == b"2"


# 3. Same inputs, same bytes

def test_the_same_inputs_give_the_same_bytes(kopi):
    """Figures off by 1e-9 (a sum taken in another order) and rows stored in another order write
    byte-identical packages."""
    root, con = kopi
    write(con)
    first = snapshot(root)
    con.execute("UPDATE datapakker.noegletal SET vaerdi = vaerdi + 1e-9, taeller = taeller - 1e-9, naevner = naevner + 1e-9")
    con.execute("UPDATE datapakker.vh_datamart SET helaarsmodtagere = helaarsmodtagere + 1e-9")
    for t in ("noegletal", "vh_datamart", "vh_individ", "vh_regelrapport"):
        con.execute(f"CREATE OR REPLACE TABLE datapakker.{t} AS SELECT * FROM datapakker.{t} ORDER BY ALL DESC")
    write(con)
    assert snapshot(root) == first


def test_decimal_numbers_have_a_stated_precision():
    from flis_assets.defs.datapakker.pakker import DECIMALER, _csv_bytes, _rounded

    frame = pl.DataFrame({"vaerdi": [254168.34999999998, 254168.35, -1e-12, 750.0, None], "individer": [1, 2, 3, 4, 5]})
    lines = _csv_bytes(_rounded(frame)).decode("utf-8-sig").splitlines()
    assert DECIMALER == 6
    assert lines[1:] == ["254168,35;1", "254168,35;2", "0,0;3", "750,0;4", ";5"]


def test_the_manifest_states_the_precision(pk):  # noqa: F811
    manifest = json.loads((pk.root / "datapakker" / "101" / "2024-03" / "manifest.json").read_text())
    assert manifest["decimaler"] == pakker.DECIMALER


# 4. Never a package for a kommune that does not exist

def test_a_line_for_an_unknown_kommune_makes_no_package(flis):
    """Delivered through every layer (harmonisation may also mark the line): no folder, no subscriber 999."""
    deliver(flis)
    flis.deliver("vh", "2024-03", 147, "NEXUS", "20240305",
                 [vh_line("x1", cpr=PEOPLE[6], handle="999", betaling="147", kode="1.8.2", start="20230101", ophold="2")])
    flis.materialize("2024-03", perioder=False)
    flis.materialize_periods("2024-03", "2024-03")

    assert not (flis.root / "datapakker" / "999").exists()
    assert flis.sql("SELECT count(*) AS n FROM datapakker.abonnenter WHERE kommunekode = 999")["n"][0] == 0


def test_an_unknown_kommune_in_the_content_gets_no_folder_and_the_check_names_it(kopi):
    """Lines and a benchmark row for 999 that reached the package layer: the other kommuner's folders
    are written, none for 999, and the blocking check names 999 in the table that shows it."""
    root, con = kopi
    con.execute("INSERT INTO harmoniseret.vh_ydelser SELECT * REPLACE (999 AS handlekommune, 'x999' AS ydelse_id) "
                "FROM harmoniseret.vh_ydelser WHERE periode = ? LIMIT 1", [MARTS])
    con.execute("INSERT INTO datamart.vh_benchmark SELECT * REPLACE (999 AS handlekommune) FROM datamart.vh_benchmark "
                "WHERE periode = ? LIMIT 1", [MARTS])
    pakker.build_indhold(con, [MARTS])
    from flis_assets.defs.datapakker.checks import KONTROLLER, afviste_perioder, maanedsfejl

    [kontrol] = [k for k in KONTROLLER if k.navn == "kun_kendte_kommuner"]
    [fejl] = maanedsfejl(con, kontrol, [MARTS])
    assert fejl.select("tabel", "kommunekode", "regel").rows() == [("vh_datamart", 999, "UKENDT_KOMMUNEKODE")]
    assert "kun_kendte_kommuner" in afviste_perioder(con, [MARTS])[MARTS]  # (its rows break discretion too)
    assert con.execute("SELECT count(*) FROM datapakker.vh_individ WHERE modtager = 999").fetchone()[0] == 1

    write(con)  # even past the gate
    assert sorted(p.name for p in (root / "datapakker").iterdir()) == ["101", "147", "187"]


def test_the_writer_refuses_a_kommune_not_in_the_list(kopi):
    root, con = kopi
    con.execute("INSERT INTO datapakker.abonnenter VALUES (?, 999, 'noegletal')", [MARTS])
    with pytest.raises(pakker.UkendtKommune, match="Kommunekoden 999 findes ikke i kodelisten kommuner.csv"):
        write(con)
    assert not (root / "datapakker" / "999").exists()


# 5. Write errors say where and why, in Danish

def test_a_read_only_disk_names_the_folder_and_file(kopi, monkeypatch):
    root, con = kopi
    fail_after(monkeypatch, 0, OSError(errno.EROFS, "Read-only file system", "manifest.json"), only="manifest.json")
    with pytest.raises(Exception) as e:
        write(con)
    assert str(e.value) == (f"Kan ikke skrive datapakken {root / 'datapakker' / '101' / '2024-03'} (manifest.json): "
                            "filsystemet er skrivebeskyttet")


def test_the_filer_description_renders_in_the_ui():
    """Dagster renders descriptions as Markdown: `<kommunekode>` outside code would be an HTML tag."""
    described = pakker.filer.specs_by_key[FILER].description
    assert "kommunekode" in described and not re.search(r"<[^>]*>", re.sub(r"`[^`]*`", "", described))


def test_a_write_error_reaches_the_run_as_one_danish_line(flis, monkeypatch):
    """What `flis materialize` prints: the package's own line, not the system's, which names no folder."""
    deliver(flis)
    flis.materialize("2024-03", perioder=False)
    fail_after(monkeypatch, 0, OSError(errno.EROFS, "Read-only file system", "manifest.json"), only="manifest.json")
    outcome = flis.materialize_periods("2024-03", "2024-03")
    [trin] = [t for t in outcome.fejlede_trin if t.startswith("datapakker__filer")]
    assert trin.endswith(f"Kan ikke skrive datapakken {flis.root / 'datapakker' / '101' / '2024-03'} (manifest.json): "
                         "filsystemet er skrivebeskyttet")
    assert not (flis.root / "datapakker" / "101" / "2024-03").exists()
