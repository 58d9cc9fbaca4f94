"""harmoniseret checks.

Blocking: no VH line lost between DSA and harmoniseret; Skole's and Udsatte's derived flags
(klassetrin 0-9, open on the period's last day) follow from their own fields. Warnings: the
validity rules of pupils and measures that the linked key figures rest on. No check names a
CPR number: the failing rows are identified by kommune, school or measure.
"""

import dagster as dg
import polars as pl

from flis_assets import kodelister
from flis_assets.checks.factory import frame_check, pandera_validator
from flis_assets.defs.dsa.checks import regel_skema

# Independent of the placement logic: a line always lies in the month it starts, and a line that
# cannot be placed in the load months it sat in the stock that way; and never twice in a period.
LINJER_BEVARET_SQL = """
WITH n AS (SELECT max(indlaesningsmaaned) AS n FROM dsa.vh),
stock AS (SELECT * FROM dsa.vh WHERE indlaesningsmaaned = (SELECT n FROM n)),
forventet AS (
    SELECT kommunekode, fagsystem, ydelse_id FROM stock
    WHERE date_trunc('month', startdato) = $maaned AND (slutdato IS NULL OR slutdato >= startdato)
    UNION
    SELECT s.kommunekode, s.fagsystem, s.ydelse_id FROM stock s
    JOIN dsa.vh h ON h.indlaesningsmaaned = $maaned AND h.kommunekode = s.kommunekode
        AND h.fagsystem = s.fagsystem AND h.ydelse_id = s.ydelse_id
    WHERE NOT (s.startdato IS NOT NULL AND (s.slutdato IS NULL OR s.slutdato >= s.startdato))
      AND NOT (h.startdato IS NOT NULL AND (h.slutdato IS NULL OR h.slutdato >= h.startdato))
),
faktisk AS (SELECT kommunekode, fagsystem, ydelse_id, count(*) AS n FROM harmoniseret.vh_ydelser
            WHERE periode = $maaned GROUP BY ALL)
SELECT f.kommunekode, f.fagsystem, f.ydelse_id, 'LINJE_TABT_MELLEM_DSA_OG_HARMONISERET' AS regel
FROM forventet f ANTI JOIN faktisk USING (kommunekode, fagsystem, ydelse_id)
UNION ALL
SELECT kommunekode, fagsystem, ydelse_id, 'LINJE_DOBBELT_I_PERIODEN' FROM faktisk WHERE n > 1
"""

ELEV = dg.AssetKey(["harmoniseret", "skole_elever"])
FORANSTALTNING = dg.AssetKey(["harmoniseret", "udsatte_foranstaltninger"])
SIDSTE_DAG = pl.col("periode").dt.month_end()
ELEV_KEYS = ["kommunekode", "skolekode", "klassetrin"]
FORANSTALTNING_KEYS = ["kommunekode", "foranstaltning_id"]


# Pupils: with how many kommuner's schools and how many times within one kommune each pupil is enrolled.
ELEVER_SQL = """SELECT *, count(*) OVER (PARTITION BY cpr, kommunekode) AS gange_i_kommunen,
                    count(DISTINCT kommunekode) OVER (PARTITION BY cpr) AS kommuner
                FROM harmoniseret.skole_elever WHERE periode = $maaned"""

checks = [
    frame_check(
        asset=ELEV, name="afledte_felter", blocking=True,
        description="Blokerende: klassetrin_0_9 er sand netop for klassetrin 0-9.",
        sql="SELECT * FROM harmoniseret.skole_elever WHERE periode = $maaned",
        validate=pandera_validator(regel_skema("harmoniseret.skole_elever afledt", {
            "KLASSETRIN_0_9_FORKERT": pl.col("klassetrin_0_9") == pl.col("klassetrin").is_between(0, 9),
        }), ELEV_KEYS),
    ),
    frame_check(
        asset=ELEV, name="gyldighedsregler",
        description="Elever, som de koblede nøgletal hviler på: højst så mange fraværsdage som skoledage, højst "
        "23 skoledage i en måned, hver elev én gang i én kommunes skoler.",
        sql=ELEVER_SQL,
        validate=pandera_validator(regel_skema("harmoniseret.skole_elever gyldighed", {
            "FRAVAER_OVER_SKOLEDAGE": pl.col("fravaersdage") <= pl.col("skoledage"),
            "NEGATIVT_FRAVAER": pl.col("fravaersdage") >= 0,
            "FLERE_SKOLEDAGE_END_HVERDAGE": pl.col("skoledage").is_between(0, 23),
            "ELEV_FLERE_GANGE_I_KOMMUNEN": pl.col("gange_i_kommunen") == 1,
            "ELEV_I_FLERE_KOMMUNERS_SKOLER": pl.col("kommuner") == 1,
        }), ELEV_KEYS),
    ),
    frame_check(
        asset=FORANSTALTNING, name="afledte_felter", blocking=True,
        description="Blokerende: en foranstaltning er åben på periodens sidste dag netop når den er startet senest "
        "den dag og slutter den dag eller senere (eller er åben); ingen slutter før den starter.",
        sql="SELECT * FROM harmoniseret.udsatte_foranstaltninger WHERE periode = $maaned",
        validate=pandera_validator(regel_skema("harmoniseret.udsatte_foranstaltninger afledt", {
            "AABEN_SIDSTE_DAG_FORKERT": pl.col("aaben_sidste_dag") == (
                (pl.col("startdato") <= SIDSTE_DAG) & (pl.col("slutdato").fill_null(SIDSTE_DAG) >= SIDSTE_DAG)),
            "SLUTDATO_FOER_STARTDATO": ~(pl.col("slutdato") < pl.col("startdato")),
        }), FORANSTALTNING_KEYS),
    ),
    frame_check(
        asset=FORANSTALTNING, name="gyldighedsregler",
        description="Foranstaltninger, som de koblede nøgletal hviler på: den leverede handlekommune er en kommune "
        "(ellers bliver foranstaltningen hos den leverende kommune, opmærket UKENDT_KOMMUNEKODE), paragraffen "
        "er en paragraf i Serviceloven (SEL …).",
        sql="SELECT * FROM harmoniseret.udsatte_foranstaltninger WHERE periode = $maaned",
        validate=pandera_validator(regel_skema("harmoniseret.udsatte_foranstaltninger gyldighed", {
            "UKENDT_HANDLEKOMMUNE": pl.col("handlekommune_leveret").is_in(kodelister.kommunekoder()),
            "PARAGRAF_UDEN_FOR_SERVICELOVEN": pl.col("paragraf").str.starts_with("SEL "),
        }), FORANSTALTNING_KEYS),
    ),
    frame_check(
        asset=dg.AssetKey(["harmoniseret", "vh_ydelser"]), name="linjer_bevaret", blocking=True,
        description="Blokerende: hver linje i den nyeste DSA-bestand står i sin startmåned (uplacerbare i de "
        "indlæsningsmåneder, de blev leveret i), og ingen linje står to gange i en periode.",
        sql=LINJER_BEVARET_SQL,
    ),
]
