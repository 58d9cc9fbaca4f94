"""datamart for Borger (borger-oekonomi.md): the population, its movements and the FOLK1A reconciliation.

One definition of a resident for the whole system: `datamart.befolkning` (period, kommune, sex,
single year of age 0..110, 110 holding everyone older). Every "indbyggere"/"X-Y-årige" denominator
reads it through `indbyggere_sql`.

A person's state at the end of a period is read from the CPR register as known after that
period's load month (a record holds from the load month it arrived until the person's next
record), except death: the newest register says who had died by then, and in which kommune.
Movements compare the state at the end of the previous period with the end of this one, so the
balance (residents now = before + foedte - doede + tilflyttede - fraflyttede + indvandrede -
udvandrede) holds by construction and is checked (`checks.py`). The tables of one window are
written in one transaction, so the check never sees a population and movements of two registers.
"""

from flis_assets.defs.datamart import afstemning
from flis_assets.defs.periodetabeller import MAANEDER, periode_assets
from flis_assets.omraader.borger.referencedata import FOLK1A_HOEJESTE_ALDER

HOEJESTE_ALDER = FOLK1A_HOEJESTE_ALDER  # 110 holds everyone older, as in FOLK1A, so the two reconcile

# Each record of the register with the months it holds, and each person's newest death date and
# the kommune of the newest record (for the dead: their kommune at death). A bopaelskommune that is
# no kommune (kommuner.csv) is no residence: no kommune that does not exist.
HISTORIK_SQL = """
SELECT c.cpr, c.foedselsdato, c.koen, k.kommunekode AS kommune, c.indlaesningsmaaned AS gyldig_fra,
    coalesce(lead(c.indlaesningsmaaned) OVER per_person, DATE '9999-12-31') AS gyldig_til,
    last_value(c.doedsdato) OVER hele AS doedsdato,
    last_value(k.kommunekode) OVER hele AS doedskommune
FROM dsa.cpr c LEFT JOIN kodelister.kommuner k ON k.kommunekode = c.bopaelskommune
WINDOW per_person AS (PARTITION BY c.cpr ORDER BY c.indlaesningsmaaned, c.linjenr),
    hele AS (per_person ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
"""

# The first load month with a register: a period has a previous period (and movements) after it.
FOERSTE_REGISTER = "(SELECT min(indlaesningsmaaned) FROM dsa.cpr)"


def levende_bosat(r: str, slut: str) -> str:
    """Record `r` makes its person a resident on day `slut`: born by then and not dead by then."""
    return f"({r}.foedselsdato <= {slut} AND ({r}.doedsdato IS NULL OR {r}.doedsdato > {slut}))"


def alder(foedt: str, dag: str) -> str:
    """Whole years on `dag` (as `dag - INTERVAL n YEAR >= foedt`: born 29 February is a year older
    on 1 March in a year without one)."""
    return (f"year({dag}) - year({foedt}) - "
            f"(month({dag}) * 100 + day({dag}) < month({foedt}) * 100 + day({foedt}))::INTEGER")


BEFOLKNING_SQL = f"""
WITH r AS (SELECT * FROM ({HISTORIK_SQL}) WHERE gyldig_fra <= $til AND gyldig_til > $fra AND kommune IS NOT NULL),
mdr AS (SELECT periode, last_day(periode) AS slut FROM ({MAANEDER}))
SELECT mdr.periode, r.kommune AS kommunekode, r.koen,
    least({alder("r.foedselsdato", "mdr.slut")}, {HOEJESTE_ALDER}) AS alder, count(*) AS antal
FROM mdr JOIN r ON r.gyldig_fra <= mdr.periode AND mdr.periode < r.gyldig_til
WHERE {levende_bosat("r", "mdr.slut")}
GROUP BY ALL
"""


def indbyggere_sql(fra_alder: int = 0, til_alder: int | None = None, fra: str = "$fra", til: str = "$til") -> str:
    """(periode, kommunekode, antal): the residents aged `fra_alder`..`til_alder` (None: and older)
    at the end of each period $fra..$til, a row (0 if none) for every kommune with residents."""
    if not (isinstance(fra_alder, int) and (til_alder is None or isinstance(til_alder, int))):
        raise TypeError("aldersgrænserne skal være hele tal")
    betingelse = f"alder >= {fra_alder}" + (f" AND alder <= {til_alder}" if til_alder is not None else "")
    return (f"SELECT periode, kommunekode, coalesce(sum(antal) FILTER (WHERE {betingelse}), 0)::BIGINT AS antal "
            f"FROM datamart.befolkning WHERE periode BETWEEN {fra} AND {til} GROUP BY periode, kommunekode")


# Per person and period whose state can have changed (a new record, birth or death in the period),
# from the end of the previous period (`foer`: kommune or none) to the end of this one (`nu`: the
# kommune of residence, or for those who died in the period their kommune at death, or none).
# Those dead by the end of the previous period have no state. Records hold from their load month
# on, so a person with a record at the previous period has one now.
TILSTANDE_SQL = f"""
WITH r AS MATERIALIZED ({HISTORIK_SQL}),
haendelser AS (
    SELECT DISTINCT cpr, periode FROM (
        SELECT cpr, gyldig_fra AS periode FROM r
        UNION ALL SELECT cpr, date_trunc('month', doedsdato)::DATE FROM r WHERE doedsdato IS NOT NULL
        UNION ALL SELECT cpr, date_trunc('month', foedselsdato)::DATE FROM r)
    WHERE periode BETWEEN $fra AND $til AND periode > {FOERSTE_REGISTER}
),
par AS (
    SELECT h.periode, last_day(h.forrige) AS slut_foer, last_day(h.periode) AS slut,
        f.kommune AS kommune_foer, {levende_bosat("f", "last_day(h.forrige)")} AS bosat_foer,
        n.kommune AS kommune_nu, {levende_bosat("n", "last_day(h.periode)")} AS bosat_nu,
        n.foedselsdato, n.doedsdato, n.doedskommune
    FROM (SELECT *, (periode - INTERVAL 1 MONTH)::DATE AS forrige FROM haendelser) h
    JOIN r n ON n.cpr = h.cpr AND n.gyldig_fra <= h.periode AND h.periode < n.gyldig_til
    LEFT JOIN r f ON f.cpr = h.cpr AND f.gyldig_fra <= h.forrige AND h.forrige < f.gyldig_til
    WHERE n.doedsdato IS NULL OR n.doedsdato > last_day(h.forrige)
)
SELECT periode,
    CASE WHEN bosat_foer THEN kommune_foer END AS foer,
    coalesce(n_doed, false) AS doed_i_perioden,
    CASE WHEN n_doed THEN doedskommune WHEN bosat_nu THEN kommune_nu END AS nu,
    foedselsdato > slut_foer AND foedselsdato <= slut AS foedt_i_perioden
FROM (SELECT *, doedsdato <= slut AS n_doed FROM par)
"""

# Each person's movements in the period (borger-oekonomi.md, the pinned state comparison).
BEVAEGELSER = {
    "foedte": ("nu", "foer IS NULL AND nu IS NOT NULL AND foedt_i_perioden"),
    "doede": ("nu", "doed_i_perioden AND nu IS NOT NULL"),
    "tilflyttede": ("nu", "foer <> nu"),
    "fraflyttede": ("foer", "foer <> nu"),
    "indvandrede": ("nu", "foer IS NULL AND nu IS NOT NULL AND NOT foedt_i_perioden"),
    "udvandrede": ("foer", "foer IS NOT NULL AND nu IS NULL"),
}
# The sign of each movement in the balance.
FORTEGN = {"foedte": 1, "doede": -1, "tilflyttede": 1, "fraflyttede": -1, "indvandrede": 1, "udvandrede": -1}

BEVAEGELSER_SQL = f"""
WITH t AS ({TILSTANDE_SQL})
SELECT periode, b.kommunekode, b.bevaegelse, count(*) AS antal
FROM (SELECT periode, unnest(list_filter([{", ".join(
    f"{{'kommunekode': {kolonne}, 'bevaegelse': '{navn}', 'med': coalesce({betingelse}, false)}}"
    for navn, (kolonne, betingelse) in BEVAEGELSER.items())}], lambda b: b.med)) AS b FROM t)
GROUP BY ALL
"""

FLYTNINGER_SQL = f"""
WITH t AS ({TILSTANDE_SQL})
SELECT periode, foer AS fra_kommune, nu AS til_kommune, count(*) AS antal FROM t WHERE foer <> nu GROUP BY ALL
"""

# Statistikbanken's quarter `2024K2` is the population on 1 April: FLIS's at the end of March. Only
# quarters FOLK1A has, and periods with a register: a kommune missing on either side shows.
FOLK1A_SQL = "WITH " + afstemning.sammenligning(
    afstemning.kvartaler(f"periode >= {FOERSTE_REGISTER}", kvartal_af="periode + INTERVAL 1 MONTH"),
    """SELECT k.periode, k.kvartal, b.kommunekode, sum(b.antal) AS flis
    FROM kvartaler k JOIN datamart.befolkning b USING (periode) GROUP BY ALL""",
    "folk1a", ["kommunekode"], finere_celler=True, kun_referencens_kvartaler=True,
)

CPR = ["dsa", "cpr"]
KODELISTER = ["referencedata", "kodelister"]


def tabeller() -> dict[str, tuple[str, list[list[str]], str]]:
    return {
        "datamart.befolkning": (BEFOLKNING_SQL, [CPR, KODELISTER],
            "Indbyggere ved periodens udgang pr. kommune, køn og alder (0-110, 110 rummer de ældre) efter "
            "CPR-registeret, som det kendes efter periodens indlæsningsmåned; de døde udgår på dødsdatoen. "
            "Alle nævnere af typen indbyggere og X-Y-årige læser denne tabel."),
        "datamart.befolkningsbevaegelser": (BEVAEGELSER_SQL, [CPR, KODELISTER],
            "Fødte, døde, til- og fraflyttede, indvandrede og udvandrede pr. periode og kommune: hver person "
            "ved periodens udgang mod udgangen af perioden før (ingen for den første periode med et register)."),
        "datamart.flytninger": (FLYTNINGER_SQL, [CPR, KODELISTER],
            "Flytninger mellem kommuner pr. periode: fra kommune, til kommune og antal personer."),
        "datamart.folk1a_afstemning": (FOLK1A_SQL, [["datamart", "befolkning"], ["referencedata", "folk1a"]],
            "FLIS' indbyggere ved udgangen af kvartalets sidste måned før mod Statistikbankens FOLK1A pr. "
            "kvartal (2024K2 er befolkningen 1. april 2024) og kommune."),
    }


def assets():
    return periode_assets("datamart", "borger", tabeller())
