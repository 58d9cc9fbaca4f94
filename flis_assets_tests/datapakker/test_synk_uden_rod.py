"""A period nobody subscribes to writes no package folder: syncing the packages' root that was never
made is nothing to do, not an error that fails `datapakker/filer` (a run with accounts alone)."""

from flis_assets.defs.datapakker import mapper


def test_syncing_a_root_never_made_does_nothing(tmp_path):
    mapper.synk(tmp_path / "datapakker")
    assert not (tmp_path / "datapakker").exists()
