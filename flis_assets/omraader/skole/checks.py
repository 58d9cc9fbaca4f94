"""Skole's checks: derived flags follow from their own fields (blocking), the validity rules the
linked key figures rest on, and DST's rule on the stock. No check names a CPR number: failing rows
are identified by kommune and school.
"""

import dagster as dg
import polars as pl

from flis_assets.checks.factory import frame_check, pandera_validator
from flis_assets.defs.dsa.checks import regel_skema, validity_check

ELEV = dg.AssetKey(["harmoniseret", "skole_elever"])
ELEV_KEYS = ["kommunekode", "skolekode", "klassetrin"]

# Pupils: with how many kommuner's schools and how many times within one kommune each pupil is enrolled.
ELEVER_SQL = """SELECT *, count(*) OVER (PARTITION BY cpr, kommunekode) AS gange_i_kommunen,
                    count(DISTINCT kommunekode) OVER (PARTITION BY cpr) AS kommuner
                FROM harmoniseret.skole_elever WHERE periode = $maaned"""

checks = [
    validity_check("skole", None, {"FRAVAER_OVER_SKOLEDAGE": pl.col("fravaersdage") <= pl.col("skoledage")},
                   "Elever med flere fraværsdage end skoledage i måneden."),
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
]
