"""Shared fixtures: a temporary data root with hand-made deliveries, and the real graph over it."""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from flis_assets import run, snitflader
from flis_assets.resources import query_pl


@dataclass
class Flis:
    root: Path
    instance: dg.DagsterInstance

    def deliver(self, kilde: str, maaned: str, kommune: int, fagsystem: str, dato: str,
                lines: list[str] | str | bytes, name: str | None = None) -> Path:
        """Write a delivery file as a source system would (load month YYYY-MM, date YYYYMMDD)."""
        k = snitflader.kilde(kilde)
        folder = self.root / "incoming" / kilde / maaned
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (name or f"{k.praefiks}_{kommune:03d}_{fagsystem}_FULD_{dato}.csv")
        if isinstance(lines, list):
            lines = "".join(line + "\n" for line in lines)
        path.write_bytes(lines if isinstance(lines, bytes) else lines.encode(k.encoding))
        return path

    def reference(self, name: str, text: str) -> None:
        (self.root / "reference").mkdir(exist_ok=True)
        (self.root / "reference" / name).write_text(text, encoding="utf-8")

    def materialize(self, fra: str, til: str | None = None, perioder: bool = True) -> run.Outcome:
        """Load months through the graph; `perioder=False` stops after the load-month layers."""
        from flis_assets.definitions import build_defs

        f = date.fromisoformat(fra + "-01")
        t = date.fromisoformat((til or fra) + "-01")
        return run.materialize(build_defs(), f, t, inst=self.instance, progress=False, perioder=perioder)

    def materialize_periods(self, fra: str, til: str) -> run.Outcome:
        from flis_assets.definitions import build_defs

        f, t = date.fromisoformat(fra + "-01"), date.fromisoformat(til + "-01")
        outcome = run.Outcome(maaneder=[])
        run.materialize_periods(build_defs(), run.partitions.months(f, run.partitions.add_months(t, 1)),
                                self.instance, outcome, progress=False)
        return outcome

    def run_checks(self, names: list[str], maaned: str) -> dict[str, bool]:
        """Run asset checks (as `asset/path:check`) alone for one month; passed per check."""
        return {n: e.passed for n, e in self.check_evaluations(names, maaned).items()}

    def check_evaluations(self, names: list[str], maaned: str, til: str | None = None) -> dict:
        """Run asset checks (as `asset/path:check`) alone for one month, or as one ranged run over
        `maaned`..`til` as a backfill runs them; their evaluations."""
        from flis_assets.definitions import build_defs

        defs = build_defs()
        wanted = {
            k for k in defs.resolve_implicit_global_asset_job_def().asset_layer.asset_graph.asset_check_keys
            if f"{k.asset_key.to_user_string()}:{k.name}" in names
        }
        assert len(wanted) == len(names), names
        job = defs.resolve_implicit_global_asset_job_def().get_subset(asset_check_selection=wanted, asset_selection=set())
        kw = ({"tags": {"dagster/asset_partition_range_start": f"{maaned}-01", "dagster/asset_partition_range_end": f"{til}-01"}}
              if til else {"partition_key": f"{maaned}-01"})
        res = job.execute_in_process(instance=self.instance, raise_on_error=False, **kw)
        return {f"{e.asset_key.to_user_string()}:{e.check_name}": e for e in res.get_asset_check_evaluations()}

    def execute(self, statement: str, params=None) -> None:
        with duckdb.connect(str(self.root / "flis.duckdb")) as con:
            con.execute(statement, params or [])

    def sql(self, query: str, params=None) -> pl.DataFrame:
        with duckdb.connect(str(self.root / "flis.duckdb")) as con:
            return query_pl(con, query, params)


@contextmanager
def module_flis(tmp_path_factory, name: str):
    """A Flis over its own data root for a whole test module (FLIS_DATA_DIR set meanwhile)."""
    root = tmp_path_factory.mktemp(name)
    mp = pytest.MonkeyPatch()
    mp.setenv("FLIS_DATA_DIR", str(root))
    mp.delenv("FLIS_DUCKDB", raising=False)  # the database lives in the module's own data root
    try:
        with dg.DagsterInstance.ephemeral() as inst:
            yield Flis(root, inst)
    finally:
        mp.undo()


@pytest.fixture
def flis(tmp_path, monkeypatch) -> Flis:
    monkeypatch.setenv("FLIS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("FLIS_DUCKDB", raising=False)
    with dg.DagsterInstance.ephemeral() as inst:
        yield Flis(tmp_path, inst)


def vh_line(ydelse_id="1", cpr="0101801234", handle="101", betaling="101", kode="1.12.0.2",
            start="20200101", slut="", maalgrupper="2.1", fv="C", ophold="", form="S2S") -> str:
    return ";".join([ydelse_id, cpr, handle, betaling, kode, start, slut, maalgrupper, fv, ophold, form])


def cpr_line(cpr="0101801234", foedt="19800101", koen="K", bopael="101", doed="") -> str:
    return ";".join([cpr, foedt, koen, bopael, doed])
