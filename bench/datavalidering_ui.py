"""Datavalidering in the Dagster UI (issue 16): screenshots of what a data steward sees.

Builds a tiny demo in a temporary folder (three load months, four kommuner, 2 % of their size;
the generated data break VH's validity rules and the HAND07 reconciliation in some periods, so
warning checks fail), serves it with `dagster dev` and drives the UI in headless Chromium
(Debian's /usr/bin/chromium through Playwright; no browser is downloaded). Saves PNGs of:

1. the global asset lineage;
2. a period-layer asset's Checks tab (its checks, latest result per check) and Partitions tab
   (one bar per month);
3. a failing check's latest execution with its metadata, and the `fejlende_noegler` table opened;
4. a load-month asset's Partitions tab;
5. the launch dialog for a period-layer asset and for the period layers' job `genberegn_perioder`
   (materialize -> partition range), never launched.

Not part of `make test`: `make bench-ui` installs chromium and bench/requirements-ui.txt, then runs

    .venv/bin/python bench/datavalidering_ui.py [--out bench/ui_out] [--workdir DIR [--reuse]]

The server is stopped at the end, also on error; every wait is bounded.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the venv's flis and dagster, beside this python
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FRA, TIL = "2026-07", "2026-09"
GENERATE = ["generate", "--from", FRA, "--to", TIL, "--kommuner", "101,147,265,751", "--scale", "0.02", "--seed", "1"]
MATERIALIZE = ["materialize", "--from", FRA, "--to", TIL]

# The assets and check shown: a period-layer asset whose warning check fails in some quarters,
# and a load-month asset whose validity-rule check fails on the generated data.
PERIODE_ASSET = "datamart/vh_hand07_afstemning"
MAANED_ASSET, FEJLENDE_CHECK = "dsa/vh", "gyldighedsregler"
PERIODE_JOB = "genberegn_perioder"  # the job that recomputes every period layer

GENERATE_TIMEOUT_S, MATERIALIZE_TIMEOUT_S = 300, 1200
SERVER_START_TIMEOUT_S, SERVER_STOP_TIMEOUT_S = 180, 30
PAGE_TIMEOUT_MS, SETTLE_MS = 30_000, 3_000
VIEWPORT = {"width": 1600, "height": 1000}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_env(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(FLIS_DATA_DIR=str(work / "data"), FLIS_DUCKDB=str(work / "data" / "flis.duckdb"),
               DAGSTER_HOME=str(work / "dagster_home"))
    return env


def make_demo(work: Path, env: dict[str, str]) -> None:
    home = Path(env["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    print(f"Genererer demodata under {work} ...", flush=True)
    with (work / "generate.log").open("w") as log:
        res = subprocess.run([str(BIN / "flis"), *GENERATE], env=env, cwd=REPO, timeout=GENERATE_TIMEOUT_S,
                             stdout=log, stderr=subprocess.STDOUT)
    if res.returncode != 0:
        raise SystemExit(f"flis generate fejlede (kode {res.returncode}); se {work / 'generate.log'}")
    print("Materialiserer (et par minutter) ...", flush=True)
    res = subprocess.run([str(BIN / "flis"), *MATERIALIZE], env=env, cwd=REPO, timeout=MATERIALIZE_TIMEOUT_S,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    (work / "materialize.log").write_text(res.stdout)
    advarsler = [line for line in res.stdout.splitlines() if line.startswith("Advarsel: asset check fejlede")]
    print(f"  flis materialize sluttede med kode {res.returncode}, {len(advarsler)} fejlede advarselschecks "
          f"(log: {work / 'materialize.log'})", flush=True)
    if res.returncode != 0:
        raise SystemExit(f"flis materialize fejlede (kode {res.returncode}); se {work / 'materialize.log'}")
    if not any(FEJLENDE_CHECK in line for line in advarsler):
        print(f"  OBS: {MAANED_ASSET}:{FEJLENDE_CHECK} fejlede ikke; dens skærmbillede viser en bestået check.")


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    # its own process group, so stopping it also stops the code server and daemon it starts
    return subprocess.Popen([str(BIN / "dagster"), "dev", "-w", "workspace.yaml", "-p", str(port), "-h", "127.0.0.1"],
                            cwd=REPO, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def wait_for_server(base: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"dagster dev stoppede med kode {proc.returncode}; se {log}")
        try:
            with urllib.request.urlopen(f"{base}/server_info", timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(1)
    raise SystemExit(f"dagster dev svarede ikke på {base}/server_info inden for {SERVER_START_TIMEOUT_S} s; se {log}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    for sig, wait_s in ((signal.SIGTERM, SERVER_STOP_TIMEOUT_S), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue
    print(f"OBS: dagster dev (pid {proc.pid}) stoppede ikke", file=sys.stderr)


def screenshots(base: str, out: Path) -> tuple[list[Path], list[str]]:
    """Each view in its own try, so one that does not render still leaves the others."""
    from playwright.sync_api import sync_playwright

    saved, failed = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=PAGE_TIMEOUT_MS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(PAGE_TIMEOUT_MS)

            def visit(path: str, wait_text: str | None = None) -> None:
                page.goto(f"{base}{path}", wait_until="domcontentloaded")
                try:
                    page.wait_for_load_state("networkidle", timeout=PAGE_TIMEOUT_MS)
                except Exception:  # the UI polls; networkidle may never come - the settle below still bounds it
                    pass
                luk_velkomst()
                if wait_text:
                    page.get_by_text(wait_text, exact=False).first.wait_for(state="visible")
                page.wait_for_timeout(SETTLE_MS)

            def luk_velkomst() -> None:
                # a fresh instance greets with "Join the Dagster community" over every page until skipped
                skip = page.get_by_role("button", name="Skip", exact=True)
                try:
                    skip.wait_for(state="visible", timeout=5_000)
                except Exception:  # noqa: BLE001 - not shown (already skipped)
                    return
                skip.click()
                page.wait_for_timeout(500)

            def shot(name: str, step) -> None:
                target = out / f"{name}.png"
                try:
                    step()
                    page.screenshot(path=str(target))
                    saved.append(target)
                except Exception as e:  # noqa: BLE001 - reported, and the other views still run
                    failed.append(f"{name}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
                    try:
                        page.screenshot(path=str(out / f"{name}_FEJL.png"))
                    except Exception:  # noqa: BLE001
                        pass
                    page.keyboard.press("Escape")

            shot("01_asset_graf", lambda: visit("/asset-groups"))
            shot("02_periode_checks", lambda: visit(f"/assets/{PERIODE_ASSET}?view=checks", "hand07"))

            def check_partitioner(path: str, wait_text: str) -> None:
                # a partitioned check's own Partitions tab (below the asset's): one status per month
                visit(path, wait_text)
                page.get_by_text("Partitions", exact=True).last.click()
                page.wait_for_timeout(SETTLE_MS)

            shot("02b_periode_check_partitioner",
                 lambda: check_partitioner(f"/assets/{PERIODE_ASSET}?view=checks", "hand07"))
            shot("03_periode_partitioner", lambda: visit(f"/assets/{PERIODE_ASSET}?view=partitions"))

            def periode_maaned() -> None:
                # a month the check flagged (a quarter's end): does its partition say so?
                page.get_by_text(f"{TIL}-01", exact=True).first.click()
                page.wait_for_timeout(SETTLE_MS)

            shot("03b_periode_fejlmaaned", periode_maaned)
            shot("04_maaned_partitioner", lambda: visit(f"/assets/{MAANED_ASSET}?view=partitions"))

            def fejlende_check() -> None:
                visit(f"/assets/{MAANED_ASSET}?view=checks&checkDetail={FEJLENDE_CHECK}", FEJLENDE_CHECK)

            shot("05_fejlende_check", fejlende_check)
            shot("05b_fejlende_check_partitioner", lambda: check_partitioner(
                f"/assets/{MAANED_ASSET}?view=checks&checkDetail={FEJLENDE_CHECK}", FEJLENDE_CHECK))

            def fejlende_historik() -> None:
                page.get_by_role("tab", name="Execution history").or_(
                    page.get_by_text("Execution history", exact=True)).first.click()
                page.wait_for_timeout(SETTLE_MS)

            shot("06_fejlende_check_historik", fejlende_historik)

            def fejlende_noegler() -> None:
                # the markdown metadata opens in a dialog; fejlende_noegler is the last markdown entry
                fejlende_check()
                knapper = page.get_by_text("[Show Markdown]", exact=True)
                knapper.first.wait_for(state="visible")
                rows = page.locator("tr", has=page.get_by_text("fejlende_noegler", exact=True))
                (rows.get_by_text("[Show Markdown]").first if rows.count() else knapper.last).click()
                page.get_by_role("dialog").first.wait_for(state="visible")
                page.wait_for_timeout(SETTLE_MS)
                # the dialog opens scrolled to its buttons; show the table's head
                page.evaluate("document.querySelectorAll('*').forEach(e => { if (e.scrollTop > 0) e.scrollTop = 0; })")
                page.wait_for_timeout(500)

            shot("07_fejlende_noegler", fejlende_noegler)
            page.keyboard.press("Escape")

            def materialize_knap() -> None:
                visit(f"/assets/{PERIODE_ASSET}")
                page.locator("button", has_text=re.compile(r"^\s*Materialize")).first.click()
                page.get_by_role("dialog").first.wait_for(state="visible")
                page.wait_for_timeout(SETTLE_MS)

            # a multi-asset first asks to confirm its siblings; only then comes the partition dialog
            shot("08a_materialize_bekraeft", materialize_knap)

            def backfill_dialog() -> None:
                bekraeft = page.get_by_role("button", name="Confirm", exact=True)
                if bekraeft.count():
                    bekraeft.first.click()
                dialog = page.get_by_role("dialog").filter(has_text=re.compile("[Pp]artition")).first
                dialog.wait_for(state="visible")
                page.wait_for_timeout(SETTLE_MS)

            shot("08b_backfill_dialog", backfill_dialog)

            def backfill_periode() -> None:
                # the dialog offers only the last 90 days until "Show all partitions"; then the
                # period range a steward would backfill: the demo's load months (never launched)
                dialog = page.get_by_role("dialog").filter(has_text=re.compile("[Pp]artition")).first
                alle = dialog.get_by_text("Show all partitions", exact=True)
                if alle.count():
                    alle.first.click()
                    page.wait_for_timeout(SETTLE_MS)
                felt = dialog.locator("input[type=text]").first
                felt.fill(f"[{FRA}-01...{TIL}-01]")
                felt.press("Enter")
                page.wait_for_timeout(SETTLE_MS)

            shot("08c_backfill_periode", backfill_periode)
            page.keyboard.press("Escape")

            def job_dialog() -> None:
                # the steward's own path: the period layers' job, "Materialize all" -> partitions
                visit(f"/locations/flis/jobs/{PERIODE_JOB}", PERIODE_JOB)
                page.locator("button", has_text=re.compile(r"^\s*Materialize")).first.click()
                bekraeft = page.get_by_role("button", name="Confirm", exact=True)
                page.get_by_role("dialog").first.wait_for(state="visible")
                if bekraeft.count():
                    bekraeft.first.click()
                page.get_by_role("dialog").filter(has_text=re.compile("[Pp]artition")).first.wait_for(state="visible")
                page.wait_for_timeout(SETTLE_MS)

            shot("09a_job_backfill_dialog", job_dialog)
            shot("09b_job_backfill_periode", backfill_periode)
        finally:
            browser.close()
    return saved, failed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "ui_out", help="mappe til PNG (standard bench/ui_out)")
    ap.add_argument("--workdir", type=Path, default=None, help="demo-mappe (standard: midlertidig, slettes når alt lykkedes)")
    ap.add_argument("--reuse", action="store_true", help="genbrug demoen i --workdir (spring generate/materialize over)")
    ap.add_argument("--port", type=int, default=None)
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} mangler: apt-get install -y chromium (eller kør make bench-ui)")
    if args.reuse and not args.workdir:
        raise SystemExit("--reuse kræver --workdir")

    work = args.workdir.resolve() if args.workdir else Path(tempfile.mkdtemp(prefix="flis_ui_"))
    work.mkdir(parents=True, exist_ok=True)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    env = demo_env(work)
    proc, saved, failed = None, [], ["kørslen stoppede før skærmbillederne"]
    try:
        if not (args.reuse and Path(env["FLIS_DUCKDB"]).exists()):
            make_demo(work, env)
        port = args.port or free_port()
        base = f"http://127.0.0.1:{port}"
        log = work / "dagster_dev.log"
        print(f"Starter dagster dev på {base} (log: {log}) ...", flush=True)
        proc = start_server(env, port, log)
        wait_for_server(base, proc, log)
        saved, failed = screenshots(base, out)
    finally:
        if proc is not None:
            stop_server(proc)
        if not args.workdir:  # kept when something failed: its logs say why
            if failed:
                print(f"Demoen og dens logge er bevaret i {work}", file=sys.stderr)
            else:
                shutil.rmtree(work, ignore_errors=True)
    for f in saved:
        print(f"Gemt: {f}")
    for f in failed:
        print(f"Ikke gemt: {f}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
