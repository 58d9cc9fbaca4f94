"""An area's reference files (Statistikbanken's tables, DST's approvals) are read in its own folder."""

import dagster as dg

from flis_assets import omraader
from flis_assets.defs.referencedata import assets as platform


def noegler(defs) -> set[str]:
    return {k.to_user_string() for a in defs if isinstance(a, dg.AssetsDefinition) for k in a.keys}


def test_the_platform_reads_only_its_own_reference_files():
    assert noegler(platform.assets) == {"referencedata/systemskifte", "referencedata/abonnementer",
                                        "referencedata/kodelister"}


def test_voksenhandicap_reads_its_approval_lists_and_hand07():
    [vh] = [o for o in omraader.omraader() if o.navn == "voksenhandicap"]
    assert {"referencedata/godkendte_kommuner", "referencedata/hand07"} <= noegler(vh.assets())
