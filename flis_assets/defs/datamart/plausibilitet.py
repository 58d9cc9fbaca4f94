"""Plausibility against a kommune's own history, as Danmarks Statistik checks before it publishes.

One warning check (never blocking) per measure of the catalogue `kodelister.plausibilitet` (area,
table, kommune column, how the value is counted, factor and minimum difference, as data). Each
area writes its own measures in `omraader/<navn>/plausibilitet.csv`, and the tables and columns a
measure may name in `omraader/<navn>/plausibilitet_tabeller.csv` (`tabel;kolonne`): this module
names no area's table.

The rule, for each kommune and each month of the run:
- history: the kommune's values in the 12 months before the month, counting only months in which
  the kommune has rows; with fewer than 6 such months the kommune is not judged (too little history
  to know what is usual: a new kommune or a new source is not warned about);
- expected range: strictly between median / faktor and median * faktor of that history (the median,
  so one odd month in the history does not move it; with faktor 2 a kommune that doubles is flagged);
- flagged when the value is outside that range (or on its edge) AND differs from the median by at least
  `minimum_afvigelse` (so a small kommune going from 3 to 7 recipients is not flagged), or when it is
  0 after a history with a median above 0 (a delivery that went missing). A kommune without rows in
  a month in which the table has rows for others counts 0; a month without any rows is not judged.

The SQL is built here from fixed fragments; the catalogue only names identifiers, each checked
against `TILLADTE` (table -> its columns, from the areas' allow-lists, themselves only plain
identifiers of the period layers), and the measure's number facts are read by the SQL from the
`kodelister.plausibilitet` table itself.
"""

import re
from pathlib import Path

import dagster as dg
import polars as pl

from flis_assets import kodelister, omraader
from flis_assets.checks.factory import frame_check

KATALOG = "plausibilitet"
TILLADTE_FIL = "plausibilitet_tabeller.csv"
HISTORIK_MAANEDER = 12
MIN_HISTORIK = 6

AGGREGATER = {"sum": "sum({kolonne})", "count_distinct": "count(DISTINCT {kolonne})"}
MAAL_ID = re.compile(r"[a-z][a-z0-9_]*")
TABEL_ID = re.compile(r"(harmoniseret|datamart)\.[a-z][a-z0-9_]*")


def tilladte() -> dict[str, set[str]]:
    """The tables a measure may read, with the columns it may name (every area's allow-list):
    nothing else reaches the SQL."""
    ud: dict[str, set[str]] = {}
    for mappe in omraader.mapper():
        sti: Path = mappe / TILLADTE_FIL
        if not sti.exists():
            continue
        frame = pl.read_csv(sti, separator=";", infer_schema=False)
        if frame.columns != ["tabel", "kolonne"]:
            raise ValueError(f"{sti}, linje 1: overskriften skal være tabel;kolonne")
        for linje, (tabel, kolonne) in enumerate(frame.iter_rows(), start=2):
            if not TABEL_ID.fullmatch(tabel or "") or not MAAL_ID.fullmatch(kolonne or ""):
                raise ValueError(f"{sti}, linje {linje}: '{tabel}' og '{kolonne}' skal være en tabel i harmoniseret "
                                 "eller datamart og en kolonne (små bogstaver, cifre og _)")
            ud.setdefault(tabel, set()).add(kolonne)
    return ud


# The tables a measure may read, with the columns it may name.
TILLADTE: dict[str, set[str]] = tilladte()

SQL = """
WITH maal AS (
    SELECT navn, faktor::DOUBLE AS faktor, minimum_afvigelse::DOUBLE AS minimum
    FROM kodelister.plausibilitet WHERE maal = '{maal}'
),
pr_maaned AS (
    SELECT periode, {kommunekolonne} AS kommunekode, {vaerdi} AS vaerdi
    FROM {tabel}
    WHERE periode BETWEEN $maaned - INTERVAL {historik} MONTH AND $maaned{udeluk}
    GROUP BY ALL
),
historik AS (
    SELECT kommunekode, median(vaerdi)::DOUBLE AS median, count(*) AS maaneder
    FROM pr_maaned WHERE periode < $maaned GROUP BY ALL
),
vurderet AS (
    SELECT h.kommunekode, coalesce(p.vaerdi, 0) AS vaerdi, h.median, h.maaneder, maal.*,
        least(h.median / maal.faktor, h.median * maal.faktor) AS fra,
        greatest(h.median / maal.faktor, h.median * maal.faktor) AS til
    FROM historik h CROSS JOIN maal
    LEFT JOIN pr_maaned p ON p.kommunekode = h.kommunekode AND p.periode = $maaned
    WHERE h.maaneder >= {min_historik} AND EXISTS (SELECT 1 FROM pr_maaned WHERE periode = $maaned)
)
SELECT v.kommunekode, k.kommunenavn, v.navn AS maal, v.vaerdi,
    round(v.fra, 1) AS forventet_fra, round(v.til, 1) AS forventet_til,
    round(v.median, 1) AS median_historik, v.maaneder AS maaneder_historik,
    CASE WHEN v.vaerdi = 0 THEN 'NUL_EFTER_HISTORIK' ELSE 'UDEN_FOR_EGEN_HISTORIK' END AS regel
FROM vurderet v LEFT JOIN kodelister.kommuner k USING (kommunekode)
WHERE (v.vaerdi = 0 AND v.median <> 0)
   OR ((v.vaerdi <= v.fra OR v.vaerdi >= v.til) AND v.vaerdi <> v.median AND abs(v.vaerdi - v.median) >= v.minimum)
ORDER BY abs(v.vaerdi - v.median) DESC, v.kommunekode
"""


def fil(maal: dict) -> str:
    """The file a catalogue row is written in: its area's."""
    return f"omraader/{maal['dataomraade']}/{KATALOG}.csv"


def _ugyldig(maal: dict, linje: int, felt: str, vaerdi: str, tilladt) -> ValueError:
    return ValueError(f"{fil(maal)} linje {linje}: {felt} '{vaerdi}' er ikke tilladt "
                      f"(tilladt: {', '.join(sorted(tilladt))})")


def sql(maal: dict, linje: int) -> str:
    """The check's SQL for one catalogue row (`linje` its line in its area's CSV), every identifier checked."""
    if not MAAL_ID.fullmatch(maal["maal"] or ""):
        raise _ugyldig(maal, linje, "maal", maal["maal"], ["små bogstaver, cifre og _"])
    tabel = maal["tabel"]
    if tabel not in TILLADTE:
        raise _ugyldig(maal, linje, "tabel", tabel, TILLADTE)
    for felt in ("kommunekolonne", "kolonne", "udeluk"):
        if maal[felt] is not None and maal[felt] not in TILLADTE[tabel]:
            raise _ugyldig(maal, linje, felt, maal[felt], TILLADTE[tabel])
    if maal["aggregat"] not in AGGREGATER:
        raise _ugyldig(maal, linje, "aggregat", maal["aggregat"], AGGREGATER)
    for felt in ("faktor", "minimum_afvigelse"):
        try:
            tal = float(maal[felt])
        except (TypeError, ValueError):
            tal = float("nan")
        if not (tal > 1 if felt == "faktor" else tal >= 0):
            raise ValueError(f"{fil(maal)} linje {linje}: {felt} '{maal[felt]}' skal være et tal "
                             f"{'over 1' if felt == 'faktor' else 'på mindst 0'}")
    return SQL.format(
        maal=maal["maal"], tabel=tabel, kommunekolonne=maal["kommunekolonne"],
        vaerdi=AGGREGATER[maal["aggregat"]].format(kolonne=maal["kolonne"]),
        udeluk=f" AND NOT {maal['udeluk']}" if maal["udeluk"] else "",
        historik=HISTORIK_MAANEDER, min_historik=MIN_HISTORIK,
    )


def tal(tekst: str) -> str:
    """A catalogue number as a Dane writes it: 1,5 and 100.000."""
    x = float(tekst)
    return f"{x:,.0f}".replace(",", ".") if x == int(x) else str(x).replace(".", ",")


def beskrivelse(maal: dict) -> str:
    f = tal(maal["faktor"])
    return (
        f"Advarer (blokerer ikke), når en kommunes {maal['navn']} ({maal['omraade']}) i en måned ligger langt fra "
        f"kommunens egen historik: mindst median × {f} eller højst median / {f}, hvor medianen er af kommunens "
        f"{HISTORIK_MAANEDER} foregående måneder, og samtidig mindst {tal(maal['minimum_afvigelse'])} fra medianen; "
        "eller 0 efter en historik med en median over 0. Kommuner med data i færre end "
        f"{MIN_HISTORIK} af de {HISTORIK_MAANEDER} foregående måneder bedømmes ikke (for lidt historik). "
        f"Kilde: {maal['tabel']}."
    )


def linjer(katalog: pl.DataFrame) -> list[int]:
    """Each row's line in its area's file (line 1 is the header)."""
    return katalog.select((pl.int_range(pl.len()).over("dataomraade") + 2).alias("linje"))["linje"].to_list()


def build_checks() -> list[dg.AssetChecksDefinition]:
    katalog = kodelister.load(KATALOG)
    return [
        frame_check(
            asset=dg.AssetKey(maal["tabel"].split(".")), name=f"plausibel_{maal['maal']}",
            description=beskrivelse(maal), sql=sql(maal, linje),
            additional_deps=[dg.AssetKey(["referencedata", "kodelister"])],
        )
        for linje, maal in zip(linjer(katalog), katalog.iter_rows(named=True), strict=True)
    ]


checks = build_checks()
