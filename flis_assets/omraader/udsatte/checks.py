"""Udsatte børn og unge's checks: derived flags (blocking), the validity rules the linked key
figures rest on, DST's rule and unique ids on the stock. Failing rows are named by kommune and
measure, never by CPR number.
"""

import dagster as dg
import polars as pl

from flis_assets import kodelister
from flis_assets.checks.factory import frame_check, pandera_validator
from flis_assets.defs.dsa.checks import duplicate_ids_check, regel_skema, validity_check

FORANSTALTNING = dg.AssetKey(["harmoniseret", "udsatte_foranstaltninger"])
SIDSTE_DAG = pl.col("periode").dt.month_end()
FORANSTALTNING_KEYS = ["kommunekode", "foranstaltning_id"]

checks = [
    validity_check("udsatte", "foranstaltning_id", {"SLUTDATO_FOER_STARTDATO": ~(pl.col("slutdato") < pl.col("startdato"))},
                   "Foranstaltninger hvis slutdato ligger før startdatoen."),
    duplicate_ids_check("udsatte", "foranstaltning_id"),
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
]
