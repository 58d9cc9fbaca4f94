"""`flis` command line: unusable arguments exit 2 with one line; a run exits 0, or 1 naming the check."""

import pytest

from flis_assets import cli, run
from flis_assets_tests.conftest import vh_line


@pytest.mark.parametrize(
    "argv, message",
    [
        (["materialize", "--from", "2024-13", "--to", "2024-01"], "'2024-13' er ikke en måned"),
        (["materialize", "--from", "2012-12", "--to", "2013-01"], "ligger før 2013-01"),
        (["materialize", "--from", "2024-03", "--to", "2024-01"], "--to ligger før --from"),
        (["materialize", "--from", "2024-01", "--to", "2099-01"], "ligger efter den seneste hele måned"),
        (["materialize", "--from", "2024-01"], "the following arguments are required: --to"),
        (["generate", "--kommuner", "101,999"], "ukendte kommunekoder: 999"),
        (["generate", "--scale", "0"], "--scale skal være et tal over 0"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_unusable_arguments_exit_2_with_one_line(flis, capsys, argv, message):
    with pytest.raises(SystemExit) as e:
        raise SystemExit(cli.main(argv))
    assert e.value.code == cli.EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_missing_data_root_is_a_usage_error(flis, capsys):
    assert cli.main(["materialize", "--from", "2024-01", "--to", "2024-01"]) == cli.EXIT_USAGE
    assert "ingen leverancer under" in capsys.readouterr().err


def test_quarantine_warns_but_exits_0(flis, capsys, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    flis.deliver("vh", "2024-01", 101, "NEXUS", "20240105", [vh_line()])
    flis.deliver("vh", "2024-01", 147, "NEXUS", "20240105", ["1;2"])
    assert cli.main(["materialize", "--from", "2024-01", "--to", "2024-01"]) == cli.EXIT_OK
    err = capsys.readouterr().err
    assert "Advarsel: asset check fejlede: raadata/vh:ingen_karantaene (2024-01)" in err


def test_blocking_failure_exits_1_naming_the_check(flis, capsys, monkeypatch):
    flis.deliver("vh", "2024-01", 101, "NEXUS", "20240105", [vh_line()])

    def failing(*args, **kwargs):
        o = run.Outcome(maaneder=[])
        o.fejlede_blokerende.append("dsa/vh:ingen_linjer_tabt (2024-01)")
        return o

    monkeypatch.setattr(run, "materialize", failing)
    assert cli.main(["materialize", "--from", "2024-01", "--to", "2024-01"]) == cli.EXIT_FAILED
    assert "Blokerende asset check fejlede: dsa/vh:ingen_linjer_tabt (2024-01)" in capsys.readouterr().err
