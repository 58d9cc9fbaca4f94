"""Data shapes the generator never makes, end to end through `flis materialize` (a subprocess with a
timeout: a hang fails instead of hanging).

One generated data root (load months 2024-01..2024-04, scale 0.01, VH, Udsatte and Ældre histories moved to
begin in 2023 so that few periods need computing) is cut into the shapes:

- 101 København stops delivering everything in 2024-02 and starts again in 2024-03 (h);
- 360 Lolland delivers Økonomi but never VH (b);
- 751 Aarhus is the only kommune of Midtjylland (e), and delivers VH in January only;
- 825 Læsø and 851 Aalborg are Nordjylland: Aalborg's VH cut to three recipients; Læsø's 2024-03 VH
  and 2024-02 Udsatte deliveries all ended the day they started and its 2024-03 amounts all zero, so
  every kommune of the region is under five recipients (f) and one kommune's counts are all zero (g)
  (an empty file is no shape: a FULD delivery with no lines is quarantined by design);
- no CPR extract in 2024-02 (c); no Skole delivery at all in 2024-01, no VH in 2024-02 and no
  Udsatte in 2024-03 (d);
- 2024-04 has the reference files only (i);
- then, after all four months are loaded, 2024-01 is delivered again for 147 and 751 and loaded
  again alone (j).

The delivered files are the oracle (`dataformer_helpers`): the stocks and harmonised lines per kommune
and period are recomputed from them alone. A kommune with VH recipients and no Økonomi (a) made the
cube spin (known defect): it runs on its own small hand-made data root, so the rest is not held up.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flis_assets.generate import generate, historik
from flis_assets_tests import dataformer_helpers as h
from flis_assets_tests.conftest import Flis, cpr_line, vh_line

MAANEDER = [date(2024, m, 1) for m in (1, 2, 3, 4)]
KOMMUNER = [101, 147, 330, 360, 751, 825, 851]
TIMEOUT = 480  # seconds for one `flis materialize` of the whole data root (about 90 s when healthy, six areas)
IKKE_BEREGNET = "ikke beregnet"  # what cannot be computed must say so, not look like a number


def forme(root: Path) -> None:
    """Cut the generated data root into the shapes of the module docstring."""
    historik.afkort(root, date(2023, 1, 1))  # a short history: few periods to compute
    for kilde in ("vh", "skole", "udsatte", "oekonomi"):  # h: 101 pauses in 2024-02
        h.slet(h.filer(root, kilde, "2024-02", 101))
    h.slet(h.filer(root, "vh", kommune=360))  # b
    h.behold_cpr(h.filer(root, "vh", kommune=851), 3)  # f
    h.afslut(h.filer(root, "vh", "2024-03", 825), start=5, slut=6)  # g
    h.afslut(h.filer(root, "udsatte", "2024-02", 825), start=5, slut=6)
    h.nul_beloeb(h.filer(root, "oekonomi", "2024-03", 825))
    h.slet(h.filer(root, "cpr", "2024-02"))  # c
    h.slet(h.filer(root, "skole", "2024-01"))  # d
    h.slet(h.filer(root, "vh", "2024-02"))
    h.slet(h.filer(root, "udsatte", "2024-03"))
    h.slet(h.filer(root, "vh", "2024-03", 751))  # j: 751's January delivery stays its newest
    for kilde in ("vh", "skole", "udsatte", "oekonomi", "cpr", "aeldre"):  # i
        h.slet(h.filer(root, kilde, "2024-04"))


def genlever(root: Path) -> None:
    """j: 2024-01 delivered again, dated the month's last day, after 2024-04 is loaded: for 147 it is
    older than its March delivery, for 751 (which delivered no VH after January) it is its newest."""
    for kommune in (147, 751):
        (gammel,) = h.filer(root, "vh", "2024-01", kommune)
        ny = gammel.with_name(f"VH_{kommune}_{gammel.stem.split('_')[2]}_FULD_20240131.csv")
        linje = vh_line(f"genleveret{kommune}", cpr=gammel.read_text().split(";")[1], handle=str(kommune),
                        betaling=str(kommune), kode="1.8.1", start="20240115", ophold="1")
        ny.write_text(gammel.read_text(encoding="utf-8") + linje + "\n", encoding="utf-8")


@dataclass
class Former:
    root: Path
    foerste: h.Koersel
    anden: h.Koersel
    vh_foer: dict  # harmoniseret.vh_ydelser lines per (kommune, periode) after the first run
    vh_forventet_foer: dict  # and what the files said then
    dobbelt_foer: int


def vh_pr_kommune(root: Path) -> tuple[dict, dict, int]:
    """Lines per (kommune, periode) of harmoniseret.vh_ydelser, what the files say, and lines twice in a period."""
    perioder = _perioder(root, "harmoniseret.vh_ydelser") | set(MAANEDER)
    faktisk = _pr_kommune(root, "SELECT kommunekode, periode, count(*) FROM harmoniseret.vh_ydelser GROUP BY ALL")
    dobbelt = h.sql(root, """SELECT count(*) AS n FROM (SELECT 1 FROM harmoniseret.vh_ydelser
                             GROUP BY periode, kommunekode, fagsystem, ydelse_id HAVING count(*) > 1)""")["n"][0]
    return faktisk, h.vh_forventet(root, MAANEDER, perioder), dobbelt


@pytest.fixture(scope="module")
def former(tmp_path_factory) -> Former:
    root = tmp_path_factory.mktemp("dataformer")
    generate(root, KOMMUNER, MAANEDER[0], MAANEDER[-1], scale=0.01, seed=3, progress=False)
    forme(root)
    foerste = h.flis_cli(root, "materialize", "--from", "2024-01", "--to", "2024-04", timeout=TIMEOUT)
    foer = vh_pr_kommune(root) if foerste.returncode == 0 else ({}, {None: 0}, 0)
    genlever(root)
    anden = h.flis_cli(root, "materialize", "--from", "2024-01", "--to", "2024-01", timeout=TIMEOUT)
    return Former(root, foerste, anden, *foer)


def _perioder(root: Path, tabel: str) -> set[date]:
    return set(h.sql(root, f"SELECT DISTINCT periode FROM {tabel}")["periode"].to_list())


def _pr_kommune(root: Path, query: str) -> dict[tuple, int]:
    return {(k, p): n for k, p, n in h.sql(root, query).iter_rows()}


def test_the_shapes_are_there(former):
    root = former.root
    lev = h.sql(root, "SELECT kilde, indlaesningsmaaned::VARCHAR AS m, kommunekode FROM raadata.leverancer")
    har = {(k, m[:7], n) for k, m, n in lev.iter_rows()}
    assert not any(m == "2024-04" for _, m, _ in har)  # i
    assert ("cpr", "2024-02", 0) not in har and ("cpr", "2024-03", 0) in har  # c
    assert not [x for x in har if x[0] == "skole" and x[1] == "2024-01"]  # d
    assert not [x for x in har if x[0] == "vh" and x[1] == "2024-02"]
    assert not [x for x in har if x[0] == "udsatte" and x[1] == "2024-03"]
    assert ("oekonomi", "2024-02", 101) not in har and ("oekonomi", "2024-03", 101) in har  # h
    assert not [x for x in har if x[0] == "vh" and x[2] == 360] and ("oekonomi", "2024-03", 360) in har  # b
    assert h.sql(root, "SELECT count(*) AS n FROM raadata.leverancer WHERE status <> 'indlaest'")["n"][0] == 0
    laesoe = h.sql(root, """SELECT count(*) AS n FROM harmoniseret.vh_ydelser WHERE handlekommune = 825
                            AND periode = '2024-03-01' AND dage_i_periode > 1""")
    assert laesoe["n"][0] == 0  # g
    assert h.vh_forventet(root, MAANEDER, {date(2024, 3, 1)}).get((851, date(2024, 3, 1)), 0) > 0  # f


def test_both_runs_end_and_no_blocking_check_fails(former):
    for koersel in (former.foerste, former.anden):
        assert "Blokerende" not in koersel.stderr and "Fejl:" not in koersel.stderr, koersel.stderr[-3000:]
        assert koersel.returncode == 0, koersel.stderr[-3000:]


def test_no_vh_line_is_lost_or_duplicated(former):
    """Per kommune and period, harmoniseret.vh_ydelser holds what the delivered files say, once each
    (after the four load months, before 2024-01 is delivered again)."""
    assert former.vh_foer == former.vh_forventet_foer
    assert former.dobbelt_foer == 0


def _stock_matches(root: Path, maaneder: list[date], kommuner=lambda k: True) -> None:
    """dsa.vh of each load month holds the stock the files say (of the kommuner chosen)."""
    for m in maaneder:
        faktisk = h.sql(root, "SELECT kommunekode, fagsystem, ydelse_id FROM dsa.vh WHERE indlaesningsmaaned = $m",
                        {"m": m})
        assert (sorted(r for r in faktisk.iter_rows() if kommuner(r[0]))
                == sorted(k for k in h.vh_bestand(root, m) if kommuner(k[0]))), m


def test_a_redelivered_old_load_month_is_that_months_stock(former):
    """j: after 2024-01 is delivered again and loaded alone, its stock is the new deliveries; the newest
    stock of every kommune with a later delivery (all but 751) and its harmonised lines stay right."""
    root = former.root
    nye = {(147, "CURA", "genleveret147"), (751, "NEXUS", "genleveret751")}
    assert nye <= set(h.vh_bestand(root, MAANEDER[0]))
    assert (147, "CURA", "genleveret147") not in h.vh_bestand(root, MAANEDER[-1])
    _stock_matches(root, MAANEDER[:1])
    _stock_matches(root, MAANEDER[2:], lambda k: k != 751)
    faktisk, forventet, dobbelt = vh_pr_kommune(root)
    assert {k: n for k, n in faktisk.items() if k[0] != 751} == {k: n for k, n in forventet.items() if k[0] != 751}
    assert dobbelt == 0


def test_a_redelivery_is_every_later_stock_it_is_newest_in(former):
    """j: 751 delivered no VH after January, so its new January delivery is its stock in every later load
    month and its harmonised lines are that delivery's; 147's is its stock in 2024-02 (no VH that month)."""
    root = former.root
    _stock_matches(root, MAANEDER[1:])
    faktisk, forventet, _ = vh_pr_kommune(root)
    assert {k: n for k, n in faktisk.items() if k[0] == 751} == {k: n for k, n in forventet.items() if k[0] == 751}


def test_no_skole_or_udsatte_line_is_lost_or_duplicated(former):
    root = former.root
    perioder = sorted(_perioder(root, "harmoniseret.udsatte_foranstaltninger") | set(MAANEDER))
    assert _pr_kommune(root, "SELECT kommunekode, periode, count(*) FROM harmoniseret.udsatte_foranstaltninger "
                             "GROUP BY ALL") == h.udsatte_forventet(root, MAANEDER, perioder)
    # Skole: no delivery in 2024-01, so the period has no pupils rather than invented ones.
    assert _pr_kommune(root, "SELECT kommunekode, periode, count(*) FROM harmoniseret.skole_elever "
                             "GROUP BY ALL") == h.skole_forventet(root, MAANEDER)


def test_no_account_line_is_lost_or_duplicated(former):
    root = former.root
    faktisk = _pr_kommune(root, "SELECT kommunekode, periode, count(*) FROM dsa.oekonomi_bestand(DATE '2024-04-01') "
                                "GROUP BY ALL")
    assert faktisk == h.oekonomi_forventet(root, MAANEDER[-1])
    # g: Læsø's 2024-03 delivery holds only zero amounts: its accounts are there, each zero, none dropped
    nul = h.sql(root, """SELECT count(*) AS n, count(*) FILTER (WHERE beloeb <> 0) AS ikke_nul
                         FROM dsa.oekonomi_bestand(DATE '2024-04-01')
                         WHERE kommunekode = 825 AND periode = '2024-02-01'""")
    assert nul.row(0) == (faktisk[(825, date(2024, 2, 1))], 0) and nul["n"][0] > 0


def _publiceret(root: Path, periode: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    return (h.sql(root, "SELECT * FROM datapakker.noegletal WHERE periode = $p", {"p": periode}),
            h.sql(root, "SELECT * FROM datapakker.vh_datamart WHERE periode = $p", {"p": periode}))


@pytest.mark.parametrize("periode", MAANEDER, ids=lambda d: f"{d:%Y-%m}")
def test_every_published_number_is_safe(former, periode):
    """Independently of the blocking checks (which may pass on a missing table): the published key
    figures and rows of each load month show nothing under five and give nothing withheld away."""
    from flis_assets.defs.noegletal import diskretion
    from flis_assets.defs.noegletal.kube import cube_tal
    from flis_assets_tests.noegletal.samlet_angreb import punkter

    root = former.root
    noegletal, raekker = _publiceret(root, periode)
    assert noegletal.height > 0 and raekker.height > 0
    diskret = set(h.sql(root, "SELECT noegletal_id FROM kodelister.noegletal WHERE diskretion")["noegletal_id"])
    vist = noegletal.filter(~pl.col("diskretioneret") & pl.col("noegletal_id").is_in(list(diskret)))
    assert vist.filter(pl.col("individer").fill_null(0) < diskretion.MIN_INDIVIDER).height == 0
    assert raekker.filter(~pl.col("diskretioneret")
                          & (pl.col("unikke_modtagere") < diskretion.MIN_INDIVIDER)).height == 0
    skjult = noegletal.filter(pl.col("diskretioneret"))
    assert skjult.filter(pl.any_horizontal(pl.col("vaerdi", "taeller", "naevner", "individer").is_not_null())).height == 0
    assert diskretion.angrib(noegletal, ["noegletal_id"], cube_tal).height == 0
    assert punkter(noegletal, raekker) == []


def _vh_figurer(root: Path) -> list[str]:
    """The figures with discretion whose individuals are VH recipients."""
    return h.sql(root, "SELECT noegletal_id FROM kodelister.noegletal WHERE diskretion AND noegletal_id LIKE 'vh_%'"
                 )["noegletal_id"].to_list()


def test_all_of_a_region_under_five_is_withheld(former):
    """f: Nordjylland's kommuner together have under five recipients: its VH figures are withheld."""
    root = former.root
    vh = h.sql(root, """SELECT count(DISTINCT cpr) AS n FROM harmoniseret.vh_ydelser
                        WHERE periode = '2024-03-01' AND handlekommune IN (825, 851)""")
    assert 0 < vh["n"][0] < 5  # the shape holds
    nord = h.sql(root, """SELECT * FROM datapakker.noegletal WHERE periode = '2024-03-01' AND niveau = 'region'
                          AND omraade = 'Nordjylland'""").filter(pl.col("noegletal_id").is_in(_vh_figurer(root)))
    assert nord.height > 0 and nord["diskretioneret"].all()


def test_a_region_of_one_delivering_kommune_shows_nothing_withheld_of_it(former):
    """e: Midtjylland holds only Aarhus among the kommuner with VH data. An attacker who knows which
    kommuner have no VH recipients at all (they deliver none: the packages' subscribers are public) knows
    their withheld cells are zero; no withheld cell may then follow from its region's published number."""
    root = former.root
    region = dict(h.sql(root, "SELECT lpad(kommunekode::VARCHAR, 3, '0'), region FROM kodelister.kommuner").iter_rows())
    med_data = {(p, f"{k:03d}") for p, k in h.sql(root, """SELECT DISTINCT periode, handlekommune
                FROM harmoniseret.vh_ydelser WHERE periode >= $p""", {"p": MAANEDER[0]}).iter_rows()}
    kube = h.sql(root, "SELECT * FROM datapakker.noegletal WHERE periode >= $p", {"p": MAANEDER[0]}).filter(
        pl.col("noegletal_id").is_in(_vh_figurer(root)))
    celler = {(c["periode"], c["noegletal_id"], c["omraade"]): c for c in kube.iter_rows(named=True)}
    afsloeret = []
    for (periode, figur, r), c in celler.items():
        if c["diskretioneret"] or r not in set(region.values()):
            continue
        kommuner = [celler[(periode, figur, k)] for k, kr in region.items()
                    if kr == r and (periode, figur, k) in celler]
        ukendte = [k for k in kommuner if k["diskretioneret"] and (periode, k["omraade"]) in med_data]
        if len(ukendte) == 1:  # the region's number less the shown kommuner is this one cell's
            afsloeret.append((f"{periode:%Y-%m}", figur, ukendte[0]["omraade"], ukendte[0]["diskretion_aarsag"],
                              c["individer"] - sum(k["individer"] for k in kommuner if not k["diskretioneret"])))
    assert [k for k in region if region[k] == "Midtjylland" and (MAANEDER[0], k) in med_data] == ["751"]  # the shape
    assert afsloeret == []


def test_what_cannot_be_computed_is_said_plainly(former):
    """b, d, g, i: 360 has no VH, no Skole is delivered in 2024-01, 825's counts are zero and no Økonomi
    holds 2024-03. Every figure of the catalogue is in every load month's package, and one without a
    value says why (a reason, not a bare NULL that looks like a shown number)."""
    from flis_assets.defs.noegletal.kube import figures

    root = former.root
    kube = h.sql(root, "SELECT * FROM datapakker.noegletal WHERE periode >= $p", {"p": MAANEDER[0]})
    uden_vaerdi = kube.filter(pl.col("vaerdi").is_null() & ~pl.col("diskretioneret"))
    assert uden_vaerdi.height > 0  # the shapes make such figures
    aarsager = [c for c in kube.columns if "aarsag" in c or "bemaerkning" in c]
    assert uden_vaerdi.filter(pl.all_horizontal(pl.col(aarsager).is_null())).height == 0
    udgivet = set(kube.select("periode", "noegletal_id").unique().iter_rows())
    assert {(m, f) for m in MAANEDER for f in figures()} <= udgivet


# --- a: VH recipients but no Økonomi: its own small hand-made root --------------------------

PEOPLE = [f"{i:02d}0175{3000 + i}" for i in range(1, 6)]
NABOER = [f"{i:02d}0275{4000 + i}" for i in range(1, 6)]


def test_vh_without_oekonomi_ends(tmp_path):
    """a: Rødovre (175) has five recipients of 1.12.0.1 and nobody delivers Økonomi; Vallensbæk (187)
    has inhabitants only. The run ends, every line is there, and the expenses per recipient, which
    cannot be computed, are not shown."""
    f = Flis(tmp_path, None)
    f.deliver("cpr", "2024-03", 0, "CPR", "20240305", [cpr_line(c, foedt="19750101", bopael="175") for c in PEOPLE]
              + [cpr_line(c, foedt="19750101", bopael="187") for c in NABOER])
    f.deliver("vh", "2024-03", 175, "NEXUS", "20240305", [
        vh_line(f"l{i}", cpr=c, handle="175", betaling="175", kode="1.12.0.1", start="20240201", ophold="1")
        for i, c in enumerate(PEOPLE)])
    koersel = h.flis_cli(tmp_path, "materialize", "--from", "2024-03", "--to", "2024-03", timeout=45)
    assert koersel.returncode == 0, koersel.stderr[-3000:]
    n = h.sql(tmp_path, "SELECT count(*) AS n FROM harmoniseret.vh_ydelser WHERE periode = '2024-03-01'")["n"][0]
    assert n == len(PEOPLE)
    udgift = h.sql(tmp_path, """SELECT * FROM datapakker.noegletal WHERE periode = '2024-03-01' AND niveau = 'kommune'
                                AND omraade = '175' AND noegletal_id = 'vh_udgift_pr_modtager_botilbud_sps'""")
    assert udgift.height == 1 and udgift["vaerdi"][0] is None
