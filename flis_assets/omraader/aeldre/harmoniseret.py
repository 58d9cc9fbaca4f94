"""harmoniseret: Ældre's visitations per statistical period, annotated, never corrected (aeldre.md).

From the newest DSA stock (newest knowledge) every line is placed in the periods it belongs to,
with DST's harmonisation rules as annotations (`aeldre_opmaerkninger`), the alternative
visitationsdato and slutdato, and the care-home wait.

A line belongs to a period when its validity (startdato to slutdato, or to the alternative
slutdato; open = no end) overlaps it. A care-home line (PLEJEBOLIG, PLEJEHJEM) belongs to every
period from its (alternative) visitationsdato: waiting before its startdato, living after. A line
granted but never begun belongs to periods from its visitationsdato. A line that cannot be placed
(no visitationsdato and no startdato, or slutdato before startdato, or never begun and ended
before its visitation) belongs to the load months it was delivered in that form, as in
Voksenhandicap; the same placeability `dsa/aendrede_perioder.py` finds changed periods with.

Rules (`kodelister/harmoniseringsregler.csv`, one list across areas; DOEDSDATO_SOM_SLUTDATO and
SLUTDATO_FOER_STARTDATO are Voksenhandicap's, from `defs/harmoniseret/linjeregler.py`): line
rules in every period of the line; DOEDSDATO_SOM_SLUTDATO from the death on; HJEMMEHJAELP_I_PLEJEBOLIG
where the overlap lies. Like Voksenhandicap's overlap rules, HJEMMEHJAELP_I_PLEJEBOLIG compares
only the lines DST keeps (no Slettes rule).
"""

from datetime import date

import dagster as dg
import duckdb

from flis_assets import kodelister
from flis_assets.defs.dsa import aendrede_perioder
from flis_assets.defs.harmoniseret import linjer, linjeregler
from flis_assets.resources import replace_periods

UENDELIG = linjeregler.UENDELIG

INDSATSER_DDL = """CREATE TABLE IF NOT EXISTS harmoniseret.aeldre_indsatser (
    periode DATE NOT NULL,
    kommunekode INTEGER NOT NULL,          -- the delivering kommune, which is the kommune
    fagsystem VARCHAR NOT NULL,
    indsats_id VARCHAR NOT NULL,
    cpr VARCHAR NOT NULL,
    indsatstype VARCHAR,
    paragraf VARCHAR,
    visitationsdato DATE,
    startdato DATE,
    slutdato DATE,
    timer_pr_uge DOUBLE,
    leverandoer VARCHAR,
    boform VARCHAR,
    midlertidig VARCHAR,
    alternativ_visitationsdato DATE,       -- START_FOER_VISITATION: the startdato
    alternativ_slutdato DATE,              -- DOEDSDATO_SOM_SLUTDATO: the death date of an open line
    plejebolig BOOLEAN NOT NULL,           -- a care-home indsatstype (PLEJEBOLIG, PLEJEHJEM)
    hjemmehjaelp BOOLEAN NOT NULL,         -- personlig pleje or praktisk hjælp, varig, eget hjem, valid pair
    ventedage INTEGER,                     -- care-home lines: (alternative) visitation to start, or to the period's end
    over_garanti BOOLEAN,                  -- care-home lines: the wait passed the plejeboliggaranti
    ventende BOOLEAN NOT NULL,             -- care-home line not begun by the period's last day
    foedselsdato DATE,
    koen VARCHAR,
    alder INTEGER,                         -- at the end of the period
    slettes_af_dst BOOLEAN NOT NULL,       -- a rule with dst_handling Slettes hits the line
    opmaerkninger VARCHAR,                 -- the rules hitting it in the period: 'REGEL (handling)', ...
    indlaesningsmaaned DATE NOT NULL       -- the stock it comes from (newest knowledge)
)"""

OPMAERKNINGER_DDL = """CREATE TABLE IF NOT EXISTS harmoniseret.aeldre_opmaerkninger (
    periode DATE NOT NULL,
    indsats_id VARCHAR NOT NULL,
    fagsystem VARCHAR NOT NULL,
    kommunekode INTEGER NOT NULL,
    cpr VARCHAR NOT NULL,
    regel VARCHAR NOT NULL,
    dst_handling VARCHAR NOT NULL
)"""

# A line can be placed in time exactly when the changed periods can place it.
PLACERBAR = aendrede_perioder.placeable(fra_col=aendrede_perioder.fra("aeldre"))
NOEGLE = "kommunekode, fagsystem, indsats_id"

# The newest stock, enriched once per run: code list facts, CPR facts, alternative dates, where
# the line lies in time (fra, til).
LINJER_SQL = f"""
CREATE OR REPLACE TEMP TABLE aeldre_linjer AS
WITH stock AS (SELECT * FROM dsa.aeldre WHERE indlaesningsmaaned = $n),
reg AS (SELECT cpr, foedselsdato, koen, doedsdato FROM dsa.cpr_register({UENDELIG})
        WHERE cpr IN (SELECT cpr FROM stock)),
typer AS (SELECT indsatstype, bool_or(plejebolig::BOOLEAN) AS plejebolig, bool_or(hjemmehjaelp::BOOLEAN) AS timer
          FROM kodelister.aeldre_indsatser GROUP BY ALL),
l AS (
    SELECT s.kommunekode, s.fagsystem, s.indsats_id, s.cpr, s.indsatstype, s.paragraf, s.visitationsdato,
        s.startdato, s.slutdato, s.timer_pr_uge, s.leverandoer, s.boform, s.midlertidig,
        CASE WHEN s.startdato < s.visitationsdato THEN s.startdato END AS alternativ_visitationsdato,
        {linjeregler.alternativ_slutdato("s.slutdato", "r.doedsdato")} AS alternativ_slutdato,
        i.indsatstype IS NOT NULL AS gyldig_indsats,
        coalesce(t.plejebolig, false) AS plejebolig,
        coalesce(t.timer, false) AS med_timer,  -- personlig pleje, praktisk hjælp: visited hours
        coalesce(i.hjemmehjaelp::BOOLEAN, false) AND s.midlertidig = 'N' AND s.boform = 'EGET_HJEM' AS hjemmehjaelp,
        r.foedselsdato, r.koen, s.indlaesningsmaaned,
        {aendrede_perioder.placeable("s", aendrede_perioder.fra("aeldre", "s"))} AS placerbar
    FROM stock s LEFT JOIN reg r USING (cpr)
    LEFT JOIN kodelister.aeldre_indsatser i ON i.indsatstype = s.indsatstype AND i.paragraf = s.paragraf
    LEFT JOIN typer t ON t.indsatstype = s.indsatstype
),
f AS (  -- a care home from the (alternative) visitation; anything else from its start, never begun from the visitation
    SELECT *, CASE WHEN plejebolig THEN least(visitationsdato, startdato)
                   ELSE coalesce(startdato, visitationsdato) END AS fra FROM l
)
SELECT *, {linjeregler.til("fra", "slutdato", "alternativ_slutdato")} AS til FROM f
"""

# Every rule hit with the interval in which it applies (line rules: always).
REGLER_SQL = f"""
CREATE OR REPLACE TEMP TABLE aeldre_regler AS
WITH linje_regler AS (
    SELECT {NOEGLE}, 'UGYLDIG_INDSATS' AS regel FROM aeldre_linjer WHERE NOT gyldig_indsats
    UNION ALL
    SELECT {NOEGLE}, 'MANGLENDE_VISITATIONSDATO' FROM aeldre_linjer WHERE visitationsdato IS NULL
    UNION ALL
    SELECT {NOEGLE}, 'SLUTDATO_FOER_STARTDATO' FROM aeldre_linjer WHERE {linjeregler.SLUTDATO_FOER_STARTDATO}
    UNION ALL
    SELECT {NOEGLE}, 'TIMER_UGYLDIGE' FROM aeldre_linjer
    WHERE med_timer AND (timer_pr_uge IS NULL OR timer_pr_uge <= 0 OR timer_pr_uge > 168)
    UNION ALL
    SELECT {NOEGLE}, 'START_FOER_VISITATION' FROM aeldre_linjer WHERE alternativ_visitationsdato IS NOT NULL
),
bevaret AS (  -- what DST keeps: the overlap rule looks only at these
    SELECT * FROM aeldre_linjer l WHERE placerbar AND NOT EXISTS (
        SELECT 1 FROM linje_regler r JOIN kodelister.harmoniseringsregler h USING (regel)
        WHERE h.dst_handling = 'Slettes' AND r.kommunekode = l.kommunekode
          AND r.fagsystem = l.fagsystem AND r.indsats_id = l.indsats_id)
),
ophold AS (SELECT cpr, startdato AS fra, coalesce(til, {UENDELIG}) AS til FROM bevaret  -- begun, not ended by a death first
           WHERE plejebolig AND startdato <= coalesce(til, {UENDELIG})),
hjemme AS (SELECT {NOEGLE}, cpr, startdato AS fra, coalesce(til, {UENDELIG}) AS til FROM bevaret
           WHERE boform = 'EGET_HJEM' AND NOT plejebolig AND startdato IS NOT NULL)
SELECT {NOEGLE}, regel, DATE '0001-01-01' AS fra, {UENDELIG} AS til FROM linje_regler
UNION ALL  -- from the death on
SELECT {NOEGLE}, 'DOEDSDATO_SOM_SLUTDATO', alternativ_slutdato, {UENDELIG} FROM aeldre_linjer
WHERE {linjeregler.DOEDSDATO_SOM_SLUTDATO}
UNION ALL  -- where a home-help line overlaps a begun care-home stay of the same citizen
SELECT h.kommunekode, h.fagsystem, h.indsats_id, 'HJEMMEHJAELP_I_PLEJEBOLIG', greatest(h.fra, o.fra), least(h.til, o.til)
FROM hjemme h JOIN ophold o ON o.cpr = h.cpr AND h.fra <= o.til AND o.fra <= h.til
"""

# The window's months; every statement below covers them all at once.
MAANEDER = "SELECT unnest(generate_series($fra::DATE, $til::DATE, INTERVAL 1 MONTH))::DATE AS periode"

MEDLEMMER = f"""
    SELECT mdr.periode, last_day(mdr.periode) AS slut, l.* FROM aeldre_linjer l
    JOIN ({MAANEDER}) mdr ON l.placerbar AND l.fra <= last_day(mdr.periode) AND coalesce(l.til, {UENDELIG}) >= mdr.periode
    UNION ALL
    SELECT h.periode, last_day(h.periode), l.* FROM aeldre_linjer l JOIN (
        SELECT DISTINCT indlaesningsmaaned AS periode, {NOEGLE} FROM dsa.aeldre
        WHERE indlaesningsmaaned BETWEEN $fra AND $til AND NOT ({PLACERBAR})
    ) h USING ({NOEGLE})
    WHERE NOT l.placerbar
"""

# The rules hitting each line in each period of the window.
TRAEF = f"""
    SELECT DISTINCT m.periode, m.kommunekode, m.fagsystem, m.indsats_id, m.cpr, r.regel, h.dst_handling
    FROM m JOIN aeldre_regler r USING ({NOEGLE})
    JOIN kodelister.harmoniseringsregler h USING (regel)
    WHERE r.fra <= m.slut AND r.til >= m.periode
"""

INDSATSER_SELECT = f"""
WITH m AS ({MEDLEMMER}),
traef AS ({TRAEF}),
opm AS (SELECT periode, {NOEGLE}, string_agg(regel || ' (' || dst_handling || ')', ', ' ORDER BY regel) AS opmaerkninger
        FROM traef GROUP BY ALL),
slettes AS (SELECT DISTINCT {NOEGLE} FROM aeldre_regler
            JOIN kodelister.harmoniseringsregler USING (regel) WHERE dst_handling = 'Slettes'),
x AS (  -- a care-home line's wait: from the (alternative) visitation to the start, or to the period's end
    SELECT m.*, coalesce(alternativ_visitationsdato, visitationsdato) AS visiteret,
        CASE WHEN startdato <= slut THEN startdato ELSE slut END AS venter_til
    FROM m
)
SELECT x.periode, x.kommunekode, x.fagsystem, x.indsats_id, x.cpr, x.indsatstype, x.paragraf, x.visitationsdato,
    x.startdato, x.slutdato, x.timer_pr_uge, x.leverandoer, x.boform, x.midlertidig,
    x.alternativ_visitationsdato, x.alternativ_slutdato, x.plejebolig, x.hjemmehjaelp,
    CASE WHEN x.plejebolig THEN date_diff('day', x.visiteret, x.venter_til) END::INTEGER AS ventedage,
    CASE WHEN x.plejebolig THEN x.venter_til > (x.visiteret + INTERVAL 2 MONTH)::DATE END AS over_garanti,
    x.plejebolig AND (x.startdato IS NULL OR x.startdato > x.slut) AS ventende,
    x.foedselsdato, x.koen, {linjeregler.alder("x.foedselsdato", "x.slut")} AS alder,
    s.indsats_id IS NOT NULL AS slettes_af_dst, o.opmaerkninger, x.indlaesningsmaaned
FROM x
LEFT JOIN opm o ON o.periode = x.periode AND o.kommunekode = x.kommunekode AND o.fagsystem = x.fagsystem
    AND o.indsats_id = x.indsats_id
LEFT JOIN slettes s ON s.kommunekode = x.kommunekode AND s.fagsystem = x.fagsystem AND s.indsats_id = x.indsats_id
"""

OPMAERKNINGER_SELECT = f"""
WITH m AS ({MEDLEMMER})
SELECT periode, indsats_id, fagsystem, kommunekode, cpr, regel, dst_handling FROM ({TRAEF})
"""

# The rule table is one code list across areas; these are Ældre's (a test checks that every
# rule of the table is some area's).
REGLER = ("UGYLDIG_INDSATS", "MANGLENDE_VISITATIONSDATO", "SLUTDATO_FOER_STARTDATO", "TIMER_UGYLDIGE",
          "START_FOER_VISITATION", "DOEDSDATO_SOM_SLUTDATO", "HJEMMEHJAELP_I_PLEJEBOLIG")
assert set(REGLER) <= set(kodelister.load("harmoniseringsregler")["regel"]), "every rule of REGLER_SQL is in the table"


HJEMMEHJAELP_DDL = """CREATE TABLE IF NOT EXISTS harmoniseret.aeldre_hjemmehjaelp (
    periode DATE NOT NULL, kommunekode INTEGER NOT NULL, fagsystem VARCHAR NOT NULL, indsats_id VARCHAR NOT NULL,
    cpr VARCHAR NOT NULL, indsatstype VARCHAR, leverandoer VARCHAR, alder INTEGER, timer_pr_uge DOUBLE,
    paa_sidste_dag BOOLEAN NOT NULL,  -- valid on the period's last day, outside every care-home stay
    i_perioden BOOLEAN NOT NULL       -- valid on some day of the period outside every stay
)"""


def linjer_og_ophold(fra: str = "$fra", til: str = "$til") -> str:
    """CTEs (without WITH) over the harmonised periods fra..til after DST's deletions: `l`, every
    line with its end `slut` and its period's last day `sidste_dag`; `ophold`, the begun care-home
    stays (periode, cpr, fra, til; til NULL = open)."""
    return f"""l AS (
    SELECT *, coalesce(alternativ_slutdato, slutdato) AS slut, last_day(periode) AS sidste_dag
    FROM harmoniseret.aeldre_indsatser
    WHERE periode BETWEEN {fra} AND {til} AND NOT slettes_af_dst
),
ophold AS (SELECT periode, cpr, startdato AS fra, slut AS til FROM l WHERE plejebolig AND startdato IS NOT NULL)"""


# The hjemmehjælp lines clipped to their period (a..b), each with `paa_sidste_dag` and `i_perioden`:
# computed once per period here (with CPR: a kommune-specific table) and read by every measure,
# the benchmark and AED06 (`datamart.grundlag`). A line counts on some day outside the stays exactly
# when its first day, or the day after one of the stays ends, lies in the line and in no stay: the
# first such day is always one of them.
HJEMMEHJAELP_SELECT = f"""WITH {linjer_og_ophold()},
hh AS (
    SELECT * FROM (SELECT *, greatest(startdato, periode) AS a, least(coalesce(slut, sidste_dag), sidste_dag) AS b
                   FROM l WHERE hjemmehjaelp AND startdato IS NOT NULL)
    WHERE a <= b
),
kandidater AS (
    SELECT periode, kommunekode, fagsystem, indsats_id, cpr, a AS dag FROM hh
    UNION
    SELECT hh.periode, hh.kommunekode, hh.fagsystem, hh.indsats_id, hh.cpr, o.til + 1
    FROM hh JOIN ophold o USING (periode, cpr) WHERE o.til + 1 BETWEEN hh.a AND hh.b
),
udenfor AS (
    SELECT DISTINCT periode, kommunekode, fagsystem, indsats_id FROM kandidater k
    WHERE NOT EXISTS (SELECT 1 FROM ophold o WHERE o.periode = k.periode AND o.cpr = k.cpr
                      AND k.dag >= o.fra AND (o.til IS NULL OR k.dag <= o.til))
)
SELECT hh.periode, hh.kommunekode, hh.fagsystem, hh.indsats_id, hh.cpr, hh.indsatstype, hh.leverandoer, hh.alder,
    hh.timer_pr_uge, u.indsats_id IS NOT NULL AS i_perioden,
    hh.b = hh.sidste_dag AND NOT EXISTS (
        SELECT 1 FROM ophold o WHERE o.periode = hh.periode AND o.cpr = hh.cpr
        AND hh.sidste_dag >= o.fra AND (o.til IS NULL OR hh.sidste_dag <= o.til)) AS paa_sidste_dag
FROM hh LEFT JOIN udenfor u USING (periode, kommunekode, fagsystem, indsats_id)
"""


def byg_hjemmehjaelp(con: duckdb.DuckDBPyConnection, months: list[date]) -> None:
    """Replace the periods `months` of harmoniseret.aeldre_hjemmehjaelp from harmoniseret.aeldre_indsatser."""
    con.execute(HJEMMEHJAELP_DDL)
    replace_periods(con, {"harmoniseret.aeldre_hjemmehjaelp": HJEMMEHJAELP_SELECT}, months)


def harmonise(con: duckdb.DuckDBPyConnection, months: list[date]) -> dict[str, int]:
    return linjer.harmoniser(
        con, months, "aeldre", [INDSATSER_DDL, OPMAERKNINGER_DDL, HJEMMEHJAELP_DDL], [LINJER_SQL, REGLER_SQL],
        {"harmoniseret.aeldre_indsatser": INDSATSER_SELECT, "harmoniseret.aeldre_opmaerkninger": OPMAERKNINGER_SELECT,
         "harmoniseret.aeldre_hjemmehjaelp": HJEMMEHJAELP_SELECT})


PERIOD_DEPS = [dg.AssetKey(["dsa", "aeldre"]), dg.AssetKey(["dsa", "cpr"]), dg.AssetKey(["referencedata", "kodelister"])]


aeldre_harmoniseret = linjer.linjer_og_opmaerkninger(
    "aeldre_harmoniseret", "aeldre_indsatser", "aeldre_opmaerkninger", PERIOD_DEPS,
    ("Hver Ældre-linje pr. periode den hører til, ukorrigeret, med alternativ visitations- og slutdato, "
     "ventetid på plejebolig og DST's opmærkninger (kommunespecifik).",
     "Én række pr. Ældre-linje, periode og harmoniseringsregel der rammer den, med DST's handling."),
    harmonise,
)
