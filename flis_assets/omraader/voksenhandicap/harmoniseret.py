"""harmoniseret: Voksenhandicap lines per statistical period, annotated, never corrected.

From the newest DSA stock (newest knowledge) every line is placed in the periods it belongs to,
with interpreted handle- and betalingskommune, DST's harmonisation rules as annotations
(`vh_opmaerkninger`), the alternative end date, the open-§ 107 group and DST approval.

A line belongs to a period when its validity (startdato to slutdato, or to the alternative
slutdato; open = no end) overlaps it. A line that cannot be placed in time (no startdato, or
slutdato before startdato) belongs to the load months it was delivered in that form (the DSA
stocks keep them), so the kommune sees it until it is fixed. A line whose alternative end
(death) lies before its start belongs to the month of its start.

The rules are named in `kodelister/harmoniseringsregler.csv`; their tests are written here once.
Beside DST's eight rules FLIS has its own, UKENDT_KOMMUNEKODE (`kommunekoder.py`): a line whose
handle- or betalingskommune is not a kommune stays the delivering kommune's, marked.
"""

from datetime import date

import dagster as dg
import duckdb

from flis_assets import kodelister
from flis_assets.defs.harmoniseret import kommunekoder, linjer, linjeregler

SPS_EGET_HJEM = "1.12.0.2"
OPHOLD_MED_SPS = ("1.12.0.1", "1.8.1")  # stays during which § 85 in own home is marked

YDELSER_DDL = """CREATE TABLE IF NOT EXISTS harmoniseret.vh_ydelser (
    periode DATE NOT NULL,
    kommunekode INTEGER NOT NULL,          -- the delivering kommune (file)
    fagsystem VARCHAR NOT NULL,
    ydelse_id VARCHAR NOT NULL,
    cpr VARCHAR NOT NULL,
    handlekommune INTEGER NOT NULL,        -- interpreted
    betalingskommune INTEGER NOT NULL,     -- interpreted
    handlekommune_leveret INTEGER NOT NULL,
    betalingskommune_leveret INTEGER,      -- NULL = ikke angivet
    ydelseskode VARCHAR,
    startdato DATE,
    slutdato DATE,
    alternativ_slutdato DATE,
    maalgrupper VARCHAR,
    funktionsvurdering VARCHAR,
    opholdssted VARCHAR,
    indberetningsform VARCHAR,
    godkendt_dst VARCHAR NOT NULL,
    aaben_107_varighed VARCHAR,
    sps_uden_overlap_fra DATE,             -- SPS_UNDER_OPHOLD: from this date no stay overlaps
    foedselsdato DATE,
    koen VARCHAR,
    alder INTEGER,                         -- at the end of the period
    aldersgruppe VARCHAR,
    dage_i_periode INTEGER NOT NULL,       -- days of the period the line covers (both ends)
    slettes_af_dst BOOLEAN NOT NULL,       -- a rule with dst_handling Slettes hits the line
    indlaesningsmaaned DATE NOT NULL       -- the stock it comes from (newest knowledge)
)"""

OPMAERKNINGER_DDL = """CREATE TABLE IF NOT EXISTS harmoniseret.vh_opmaerkninger (
    periode DATE NOT NULL,
    kommunekode INTEGER NOT NULL,
    ydelse_id VARCHAR NOT NULL,
    fagsystem VARCHAR NOT NULL,
    handlekommune INTEGER NOT NULL,
    cpr VARCHAR NOT NULL,
    regel VARCHAR NOT NULL,
    dst_handling VARCHAR NOT NULL
)"""

# Godkendt hos DST per handlekommune, ydelse and quarter, from the newest godkendte_kommuner file:
# the join (alias g) and the column, for the harmonised lines and for the packages' empty rows.
def godkendt_join(kommune: str, ydelse: str, kvartal: str) -> str:
    return (f"LEFT JOIN referencedata.godkendte_kommuner g ON g.kommunekode = {kommune} "
            f"AND g.ydelseskode = {ydelse} AND g.kvartal = {kvartal}")


GODKENDT_DST = "CASE WHEN g.godkendt = 'Ja' THEN 'Ja' ELSE 'Nej' END"
PLACERBAR = "startdato IS NOT NULL AND (slutdato IS NULL OR slutdato >= startdato)"
UENDELIG = linjeregler.UENDELIG

# A handlekommune that is not a kommune is the delivering kommune's (the handlekommune sends the
# file); a betalingskommune that is not one counts as ikke angivet. The delivered codes stay beside.
assert kommunekoder.felter("vh") == ["handlekommune", "betalingskommune"], "every kommune field interpreted"
HANDLEKOMMUNE = "CASE WHEN s.handlekommune_kendt THEN coalesce(a.for_kommune, s.handlekommune) ELSE s.kommunekode END"

# The newest stock, enriched once per run: interpreted kommuner, CPR facts, the effective end.
LINJER_SQL = f"""
CREATE OR REPLACE TEMP TABLE vh_linjer AS
WITH stock AS (SELECT *, {kommunekoder.kendt("vh")} FROM dsa.vh WHERE indlaesningsmaaned = $n),
reg AS (SELECT cpr, foedselsdato, koen, doedsdato FROM dsa.cpr_register({UENDELIG})
        WHERE cpr IN (SELECT cpr FROM stock))
SELECT s.kommunekode, s.fagsystem, s.ydelse_id, s.cpr,
    {HANDLEKOMMUNE} AS handlekommune,
    coalesce(a.for_kommune, CASE WHEN s.betalingskommune_kendt THEN s.betalingskommune END, {HANDLEKOMMUNE})
        AS betalingskommune,
    {kommunekoder.ukendt("vh", "s")} AS ukendt_kommunekode,
    s.handlekommune AS handlekommune_leveret, s.betalingskommune AS betalingskommune_leveret,
    s.ydelseskode, s.startdato, s.slutdato,
    {linjeregler.alternativ_slutdato("s.slutdato", "r.doedsdato")} AS alternativ_slutdato,
    s.maalgrupper, s.funktionsvurdering, s.opholdssted, s.indberetningsform,
    r.foedselsdato, r.koen, s.indlaesningsmaaned,
    s.startdato IS NOT NULL AND (s.slutdato IS NULL OR s.slutdato >= s.startdato) AS placerbar,
    -- where the line lies in time: its validity, or its start month when a death before the
    -- start would end it before it began
    s.startdato AS fra,
    {linjeregler.til("s.startdato", "s.slutdato", "alternativ_slutdato")} AS til
FROM stock s LEFT JOIN reg r USING (cpr)
LEFT JOIN kodelister.vh_indberetningsaftaler a
       ON a.indberetter = s.handlekommune AND a.for_kommune = s.betalingskommune
"""

# Every rule hit with the interval in which it applies (line rules: always).
REGLER_SQL = f"""
CREATE OR REPLACE TEMP TABLE vh_regler AS
WITH linje_regler AS (
    SELECT kommunekode, fagsystem, ydelse_id, 'UGYLDIG_YDELSESKODE' AS regel FROM vh_linjer
    WHERE ydelseskode IS NULL OR ydelseskode NOT IN (SELECT ydelseskode FROM kodelister.vh_ydelser)
    UNION ALL
    SELECT kommunekode, fagsystem, ydelse_id, 'UGYLDIG_MAALGRUPPE' FROM vh_linjer
    WHERE maalgrupper IS NULL OR NOT list_has_all(
        (SELECT list(maalgruppekode) FROM kodelister.vh_maalgrupper),
        list_transform(string_split(maalgrupper, ','), lambda x: trim(x)))
    UNION ALL
    SELECT kommunekode, fagsystem, ydelse_id, 'MANGLENDE_STARTDATO' FROM vh_linjer WHERE startdato IS NULL
    UNION ALL
    SELECT kommunekode, fagsystem, ydelse_id, 'SLUTDATO_FOER_STARTDATO' FROM vh_linjer
    WHERE {linjeregler.SLUTDATO_FOER_STARTDATO}
    UNION ALL  -- under 17 on 1 January of the start year: whole years then, birthday on 1 January counts
    SELECT kommunekode, fagsystem, ydelse_id, 'BARN' FROM vh_linjer
    WHERE year(startdato) - year(foedselsdato)
          - CASE WHEN month(foedselsdato) = 1 AND day(foedselsdato) = 1 THEN 0 ELSE 1 END < 17
    UNION ALL
    SELECT kommunekode, fagsystem, ydelse_id, 'DOEDSDATO_SOM_SLUTDATO' FROM vh_linjer
    WHERE {linjeregler.DOEDSDATO_SOM_SLUTDATO}
    UNION ALL  -- FLIS's own rule: a kommune code outside kommuner.csv (see kommunekoder.py)
    SELECT kommunekode, fagsystem, ydelse_id, '{kommunekoder.REGEL}' FROM vh_linjer WHERE ukendt_kommunekode
),
bevaret AS (  -- what DST keeps: the overlap rules look only at these
    SELECT * FROM vh_linjer l WHERE placerbar AND NOT EXISTS (
        SELECT 1 FROM linje_regler r JOIN kodelister.harmoniseringsregler h USING (regel)
        WHERE h.dst_handling = 'Slettes' AND r.kommunekode = l.kommunekode
          AND r.fagsystem = l.fagsystem AND r.ydelse_id = l.ydelse_id)
),
par AS (  -- two lines of the same citizen whose validities overlap, with the overlap
    SELECT a.kommunekode, a.fagsystem, a.ydelse_id, a.ydelseskode AS a_kode, b.ydelseskode AS b_kode,
        greatest(a.fra, b.fra) AS fra, least(coalesce(a.til, {UENDELIG}), coalesce(b.til, {UENDELIG})) AS til,
        b.til AS b_til
    FROM bevaret a JOIN bevaret b ON a.cpr = b.cpr
        AND NOT (a.kommunekode = b.kommunekode AND a.fagsystem = b.fagsystem AND a.ydelse_id = b.ydelse_id)
    WHERE a.fra <= coalesce(b.til, {UENDELIG}) AND b.fra <= coalesce(a.til, {UENDELIG})
),
ophold AS (SELECT ydelseskode FROM kodelister.vh_ydelser WHERE opholdsydelse)
SELECT kommunekode, fagsystem, ydelse_id, regel, DATE '0001-01-01' AS fra, {UENDELIG} AS til FROM linje_regler
UNION ALL
SELECT kommunekode, fagsystem, ydelse_id, 'OVERLAPPENDE_OPHOLD', fra, til FROM par
WHERE a_kode IN (SELECT * FROM ophold) AND b_kode IN (SELECT * FROM ophold)
UNION ALL
SELECT kommunekode, fagsystem, ydelse_id, 'SPS_UNDER_OPHOLD', fra, til FROM par
WHERE a_kode = '{SPS_EGET_HJEM}' AND b_kode IN {OPHOLD_MED_SPS}
"""

# The day after the last overlapping stay ends, if the SPS line goes on after it.
SPS_FRA_SQL = f"""
CREATE OR REPLACE TEMP TABLE vh_sps_fra AS
SELECT r.kommunekode, r.fagsystem, r.ydelse_id,
    CASE WHEN max(r.til) < coalesce(any_value(l.til), {UENDELIG}) THEN max(r.til) + 1 END AS sps_uden_overlap_fra
FROM vh_regler r JOIN vh_linjer l USING (kommunekode, fagsystem, ydelse_id)
WHERE r.regel = 'SPS_UNDER_OPHOLD' GROUP BY ALL
"""

# The window's months; every statement below covers them all at once.
MAANEDER = "SELECT unnest(generate_series($fra::DATE, $til::DATE, INTERVAL 1 MONTH))::DATE AS periode"

MEDLEMMER = f"""
    SELECT mdr.periode, last_day(mdr.periode) AS slut, l.* FROM vh_linjer l
    JOIN ({MAANEDER}) mdr ON l.placerbar AND l.fra <= last_day(mdr.periode) AND coalesce(l.til, {UENDELIG}) >= mdr.periode
    UNION ALL
    SELECT h.periode, last_day(h.periode), l.* FROM vh_linjer l JOIN (
        SELECT DISTINCT indlaesningsmaaned AS periode, kommunekode, fagsystem, ydelse_id FROM dsa.vh
        WHERE indlaesningsmaaned BETWEEN $fra AND $til AND NOT ({PLACERBAR})
    ) h USING (kommunekode, fagsystem, ydelse_id)
    WHERE NOT l.placerbar
"""

YDELSER_SELECT = f"""
WITH m AS ({MEDLEMMER}),
slettes AS (SELECT DISTINCT kommunekode, fagsystem, ydelse_id FROM vh_regler
            JOIN kodelister.harmoniseringsregler USING (regel) WHERE dst_handling = 'Slettes'),
x AS (
    SELECT m.*, {linjeregler.alder("foedselsdato", "slut")} AS alder,
        year(periode) || 'K' || quarter(periode) AS kvartal
    FROM m
)
SELECT x.periode, x.kommunekode, x.fagsystem, x.ydelse_id, x.cpr, x.handlekommune,
    x.betalingskommune, x.handlekommune_leveret, x.betalingskommune_leveret, x.ydelseskode, x.startdato,
    x.slutdato, x.alternativ_slutdato, x.maalgrupper, x.funktionsvurdering, x.opholdssted,
    x.indberetningsform,
    {GODKENDT_DST} AS godkendt_dst,
    a107.gruppe AS aaben_107_varighed,
    sps.sps_uden_overlap_fra, x.foedselsdato, x.koen, x.alder, ag.aldersgruppe,
    CASE WHEN x.placerbar THEN greatest(0, date_diff('day', greatest(x.fra, x.periode),
        least(coalesce(x.til, {UENDELIG}), x.slut)) + 1) ELSE 0 END AS dage_i_periode,
    s.ydelse_id IS NOT NULL AS slettes_af_dst, x.indlaesningsmaaned
FROM x
{godkendt_join("x.handlekommune", "x.ydelseskode", "x.kvartal")}
LEFT JOIN kodelister.vh_aaben_107_grupper a107
       ON x.ydelseskode = '1.8.2' AND x.placerbar AND coalesce(x.til, {UENDELIG}) > x.slut
      AND date_diff('day', x.fra, x.slut) + 1 BETWEEN a107.fra_dage AND coalesce(a107.til_dage, 2147483647)
LEFT JOIN kodelister.vh_aldersgrupper ag ON x.alder BETWEEN ag.fra_alder AND coalesce(ag.til_alder, 1000)
LEFT JOIN vh_sps_fra sps
       ON sps.kommunekode = x.kommunekode AND sps.fagsystem = x.fagsystem AND sps.ydelse_id = x.ydelse_id
LEFT JOIN slettes s ON s.kommunekode = x.kommunekode AND s.fagsystem = x.fagsystem AND s.ydelse_id = x.ydelse_id
"""

OPMAERKNINGER_SELECT = f"""
WITH m AS ({MEDLEMMER})
SELECT DISTINCT m.periode, m.kommunekode, m.ydelse_id, m.fagsystem, m.handlekommune, m.cpr,
    r.regel, h.dst_handling
FROM m JOIN vh_regler r USING (kommunekode, fagsystem, ydelse_id)
JOIN kodelister.harmoniseringsregler h USING (regel)
WHERE r.fra <= m.slut AND r.til >= m.periode
"""


def harmonise(con: duckdb.DuckDBPyConnection, months: list[date]) -> dict[str, int]:
    return linjer.harmoniser(
        con, months, "vh", [YDELSER_DDL, OPMAERKNINGER_DDL], [LINJER_SQL, REGLER_SQL, SPS_FRA_SQL],
        {"harmoniseret.vh_ydelser": YDELSER_SELECT, "harmoniseret.vh_opmaerkninger": OPMAERKNINGER_SELECT})


# The rule table is one code list across areas; these are Voksenhandicap's (a test checks that every
# rule of the table is some area's).
REGLER = ("UGYLDIG_YDELSESKODE", "UGYLDIG_MAALGRUPPE", "MANGLENDE_STARTDATO", "SLUTDATO_FOER_STARTDATO", "BARN",
          "DOEDSDATO_SOM_SLUTDATO", "OVERLAPPENDE_OPHOLD", "SPS_UNDER_OPHOLD", kommunekoder.REGEL)
assert set(REGLER) <= set(kodelister.load("harmoniseringsregler")["regel"]), "every rule of REGLER_SQL is in the table"

PERIOD_DEPS = [
    dg.AssetKey(["dsa", "vh"]), dg.AssetKey(["dsa", "cpr"]),
    dg.AssetKey(["referencedata", "godkendte_kommuner"]), dg.AssetKey(["referencedata", "kodelister"]),
]


vh_harmoniseret = linjer.linjer_og_opmaerkninger(
    "vh_harmoniseret", "vh_ydelser", "vh_opmaerkninger", PERIOD_DEPS,
    ("Hver VH-linje pr. periode den hører til, ukorrigeret, med fortolket handle- og "
     "betalingskommune, alternativ slutdato, § 107-varighed og DST-godkendelse (kommunespecifik).",
     "Én række pr. linje, periode og harmoniseringsregel der rammer den, med DST's handling."),
    harmonise,
)
