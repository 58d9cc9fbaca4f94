"""systemskifte.csv names each change by its fagsystemer: a kommune may change system in one area
and not in another, so it may stand on several lines, never twice with the same two systems."""

import pytest

from flis_assets.defs.referencedata.assets import ReferencefilFejl, read_systemskifte

HEADER = "kommunekode;fagsystem_gammel;fagsystem_ny;skiftedato;regel\n"


def test_a_kommune_may_stand_once_per_change(tmp_path):
    path = tmp_path / "systemskifte.csv"
    path.write_text(HEADER + "153;CURA;NEXUS;;3\n153;KMD;NEXUS;20240201;2\n", encoding="utf-8")
    assert read_systemskifte(path).height == 2


def test_the_same_two_systems_twice_is_an_error_naming_the_line(tmp_path):
    path = tmp_path / "systemskifte.csv"
    path.write_text(HEADER + "153;CURA;NEXUS;;3\n153;NEXUS;CURA;20240201;2\n", encoding="utf-8")
    with pytest.raises(ReferencefilFejl, match="linje 2: kommunen står på mere end én linje med de samme to fagsystemer"):
        read_systemskifte(path)
