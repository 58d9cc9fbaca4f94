"""datamart: Økonomi's accounts across kommuner (borger-oekonomi.md), and their reconciliation with REGK31.

`datamart.oekonomi_regnskab` holds, per period and kommune, the booked amounts by dranst, hovedkonto,
hovedfunktion, funktion and hovedart, summed over art and gruppering, from the accounts as known now
(the newest load month: `dsa.oekonomi_bestand`), for the month, the quarter to date and the year to
date ending in the period. Codes are written as the kontoplan writes them (hovedfunktion `5.30`,
funktion `5.30.26`), with their names from `kodelister/oekonomi_kontoplan.csv`. A kommune has rows
for a period only when its accounts hold that month: a year to date is never carried past the last
month delivered.

Nettodriftsudgifter are defined once, here (`NETTODRIFT`, `nettodriftsudgifter_sql`): the key
figures (`maal.py`) and the REGK31 reconciliation both read them.
"""

from flis_assets.defs.periodetabeller import periode_assets

NU = "DATE '9999-12-31'"  # the stock as known after the newest load month

# dranst 1 (drift), hovedart 0 (calculated costs) out, incomes (hovedart 7 and 8) in as booked
# (negative); columns of both the DSA stock and the datamart.
NETTODRIFT = "dranst = '1' AND hovedart <> '0'"

VISNINGER = {  # the first month of each window ending in the period
    "maaned": "periode",
    "kvartal_til_dato": "date_trunc('quarter', periode)::DATE",
    "aar_til_dato": "date_trunc('year', periode)::DATE",
}

# replace_periods runs a calendar year at a time, so every window ending in $fra..$til starts in
# the year of $fra: the months from its first through $til are read once.
REGNSKAB_SQL = f"""
WITH maaned AS (
    SELECT periode, kommunekode, dranst, hovedkonto, hovedkonto || '.' || hovedfunktion AS hovedfunktion,
        hovedkonto || '.' || hovedfunktion || '.' || funktion AS funktion, hovedart, sum(beloeb) AS beloeb
    FROM dsa.oekonomi_bestand({NU})
    WHERE periode BETWEEN date_trunc('year', $fra::DATE) AND $til
    GROUP BY ALL
),
vinduer AS (  -- each period a kommune has accounts for, with the first month of each of its windows
    SELECT periode, kommunekode, v.visning, v.fra
    FROM (SELECT DISTINCT periode, kommunekode FROM maaned WHERE periode BETWEEN $fra AND $til),
        LATERAL (VALUES {", ".join(f"('{navn}', {fra})" for navn, fra in VISNINGER.items())}) v(visning, fra)
),
summer AS (
    SELECT w.periode, w.visning, w.kommunekode, m.dranst, m.hovedkonto, m.hovedfunktion, m.funktion, m.hovedart,
        sum(m.beloeb) AS beloeb
    FROM vinduer w JOIN maaned m ON m.kommunekode = w.kommunekode AND m.periode BETWEEN w.fra AND w.periode
    GROUP BY ALL
)
SELECT s.periode, s.visning, s.kommunekode, s.dranst, s.hovedkonto, s.hovedfunktion, s.funktion, s.hovedart,
    s.beloeb, hk.navn AS hovedkonto_navn, hf.navn AS hovedfunktion_navn, fu.navn AS funktion_navn
FROM summer s
LEFT JOIN kodelister.oekonomi_kontoplan hk ON hk.niveau = 'hovedkonto' AND hk.kode = s.hovedkonto
LEFT JOIN kodelister.oekonomi_kontoplan hf ON hf.niveau = 'hovedfunktion' AND hf.kode = s.hovedfunktion
LEFT JOIN kodelister.oekonomi_kontoplan fu ON fu.niveau = 'funktion' AND fu.kode = s.funktion
"""


def nettodriftsudgifter_sql(fra: str = "$fra", til: str = "$til") -> str:
    """Nettodriftsudgifter per month, kommune, hovedfunktion and funktion in fra..til (the accounts as
    known now): the one definition the key figures and the REGK31 reconciliation use."""
    return f"""SELECT periode, kommunekode, hovedfunktion, funktion, sum(beloeb) AS beloeb
        FROM datamart.oekonomi_regnskab
        WHERE visning = 'maaned' AND periode BETWEEN {fra} AND {til} AND {NETTODRIFT}
        GROUP BY ALL"""


# A year is reconciled in its December's partition, when FLIS holds all twelve of a kommune's
# months and REGK31 holds the year; REGK31's indhold is 1,000 DKK, FLIS's amount is shown in the same
# unit, unrounded (a difference of a rounding is under 0.5).
AFSTEMNING_SQL = f"""
WITH aar AS (  -- the Decembers of the window
    SELECT periode, year(periode) AS aar
    FROM (SELECT unnest(generate_series($fra::DATE, $til::DATE, INTERVAL 1 MONTH))::DATE AS periode)
    WHERE month(periode) = 12
),
hele AS (  -- the kommuner that have accounts for all twelve months of the year
    SELECT a.periode, a.aar, r.kommunekode
    FROM aar a JOIN datamart.oekonomi_regnskab r
        ON r.visning = 'maaned' AND r.periode BETWEEN date_trunc('year', a.periode) AND a.periode
    GROUP BY ALL HAVING count(DISTINCT r.periode) = 12
),
flis AS (
    SELECT h.periode, h.aar, h.kommunekode, n.hovedfunktion, sum(n.beloeb) / 1000 AS flis
    FROM hele h JOIN ({nettodriftsudgifter_sql("date_trunc('year', $fra::DATE)", "$til")}) n
        ON n.kommunekode = h.kommunekode AND year(n.periode) = h.aar
    GROUP BY ALL
),
regk31 AS (
    SELECT h.periode, h.aar, h.kommunekode, r.hovedfunktion, r.regk31
    FROM hele h JOIN referencedata.regk31 r USING (aar, kommunekode)
),
udgivet AS (SELECT DISTINCT aar FROM referencedata.regk31)  -- DST publishes a year months after it ends
SELECT periode, aar, kommunekode, hovedfunktion, coalesce(flis.flis, 0)::DECIMAL(38, 5) AS flis, regk31.regk31,
    (coalesce(flis.flis, 0) - coalesce(regk31.regk31, 0))::DECIMAL(38, 5) AS difference
FROM flis FULL OUTER JOIN regk31 USING (periode, aar, kommunekode, hovedfunktion)
WHERE aar IN (SELECT aar FROM udgivet)
"""

assets = periode_assets("datamart", "oekonomi", {
    "datamart.oekonomi_regnskab": (
        REGNSKAB_SQL, [["dsa", "oekonomi"], ["referencedata", "kodelister"]],
        "Kommunernes bogførte beløb pr. periode efter dranst, hovedkonto, hovedfunktion, funktion og hovedart "
        "(summeret over art og gruppering) for måneden, kvartalet til dato og året til dato, efter regnskabet "
        "som det kendes nu, med kontoplanens navne.",
    ),
    "datamart.regnskab_afstemning": (
        AFSTEMNING_SQL, [["referencedata", "regk31"]],
        "FLIS' nettodriftsudgifter pr. år, kommune og hovedfunktion (1.000 kr.) mod DST's REGK31 for hvert år, "
        "hvor FLIS har kommunens regnskab for alle tolv måneder; afstemt i årets decemberpartition.",
    ),
})
