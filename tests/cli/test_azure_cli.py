"""`finops azure import-billing` and `finops azure list-exports`: arguments, one-off sources, the
connection string kept out of flow parameters and output, and listing runs with their status."""

from __future__ import annotations

import argparse
import os

import pytest

from cli import build_parser, main
from cli.azure import CONNECTION_STRING_VARIABLE, _one_off
from openfinops.samples.azure_exports import ACTUAL, AMORTIZED, write_export

SECRET = "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0LWtleS1kby1ub3Qtc2hvdw==;" \
         "EndpointSuffix=core.windows.net"


@pytest.fixture
def exports(tmp_path):
    root = tmp_path / "exports"
    write_export(root, export="daily-actual", kind=ACTUAL, periods=("2026-08", "2026-09"), rows_per_period=100)
    write_export(root, export="daily-amortized", kind=AMORTIZED, periods=("2026-09",), rows_per_period=100)
    return root


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def no_connection_string(monkeypatch) -> None:
    """Unset for the test, and whatever the CLI sets is undone after it."""
    monkeypatch.setenv(CONNECTION_STRING_VARIABLE, "")
    monkeypatch.delenv(CONNECTION_STRING_VARIABLE)


def parse(*args: str) -> argparse.Namespace:
    return build_parser().parse_args(["azure", *args])


def test_flags_are_parsed():
    args = parse("import-billing", "--export", "a", "--export", "b", "--period", "previous", "--no-build")
    assert (args.exports, args.period, args.build, args.export_type) == (["a", "b"], "previous", False, "actual")
    args = parse("list-exports", "--path", "/x", "--export-name", "e", "--type", "amortized")
    assert _one_off(args) == [{"name": "e", "type": "amortized", "path": "/x"}]
    url = "https://acct.blob.core.windows.net/exports/finops"
    assert _one_off(parse("import-billing", "--container-url", url, "--export-name", "e", "--type", "focus")) == [
        {"name": "e", "type": "focus", "container_url": url}]
    assert _one_off(parse("import-billing")) is None


@pytest.mark.parametrize("args", [["--type", "usage"], ["--period", "2026-13"], ["--frobnicate"]])
def test_bad_flags_exit_2(capsys, args):
    with pytest.raises(SystemExit) as exc:
        main(["azure", "import-billing", *args])
    assert exc.value.code == 2


@pytest.mark.parametrize("args, message", [
    (["--export-name", "e"], "--export-name needs --path or --container-url"),
    (["--path", "/x"], "a one-off source needs --export-name"),
    (["--path", "/x", "--container-url", "https://a.blob.core.windows.net/c", "--export-name", "e"],
     "either --path or --container-url"),
    (["--path", "/x", "--export-name", "e", "--connection-string", SECRET],
     "--connection-string needs --container-url"),
    (["--export", "nope"], "no Azure exports configured"),
])
def test_usage_errors_exit_2_with_one_line(capsys, monkeypatch, args, message):
    no_connection_string(monkeypatch)
    code, out, err = cli(capsys, "azure", "import-billing", *args)
    assert code == 2
    assert message in err and len(err.splitlines()) == 1
    assert SECRET not in out + err


def test_connection_string_goes_to_the_environment_not_the_source(monkeypatch):
    no_connection_string(monkeypatch)
    args = parse("import-billing", "--container-url", "https://acct.blob.core.windows.net/exports",
                 "--connection-string", SECRET, "--export-name", "daily-actual")

    [source] = _one_off(args)

    assert SECRET not in repr(source) and "connection_string" not in source  # flow parameters are stored
    assert os.environ[CONNECTION_STRING_VARIABLE] == SECRET
    assert SECRET not in repr(build_parser().parse_args(["azure", "list-exports"]))


def test_list_exports_shows_each_periods_run_and_its_status(capsys, data_dir, exports):
    source = ["--path", str(exports), "--export-name", "daily-actual", "--type", "actual"]

    code, out, err = cli(capsys, "--data-dir", str(data_dir), "azure", "list-exports", *source)
    assert code == 0, err
    assert out.count("new") == 2 and "2026-08" in out and "2026-09" in out and "daily-actual" in out

    code, out, err = cli(capsys, "--data-dir", str(data_dir), "azure", "import-billing", *source, "--no-build")
    assert code == 0, err
    assert "2 imported, 0 replaced, 0 skipped, 0 failed" in out

    code, out, _ = cli(capsys, "--data-dir", str(data_dir), "azure", "list-exports", *source)
    assert out.count("already imported") == 2

    write_export(exports, export="daily-actual", kind=ACTUAL, periods=("2026-09",), rows_per_period=100, revision=2)
    code, out, _ = cli(capsys, "--data-dir", str(data_dir), "azure", "list-exports", *source)
    assert "changed since import" in out and out.count("already imported") == 1


def test_list_exports_of_configured_exports_and_a_wrong_type(capsys, tmp_path, data_dir, exports):
    config = tmp_path / "config.toml"
    config.write_text(f'[[azure.exports]]\nname = "daily-actual"\ntype = "actual"\npath = "{exports}"\n\n'
                      f'[[azure.exports]]\nname = "daily-amortized"\ntype = "actual"\npath = "{exports}"\n')

    code, out, err = cli(capsys, "--config", str(config), "--data-dir", str(data_dir), "azure", "list-exports")

    assert code == 1  # the second export is not what it is configured as
    assert "daily-actual" in out and out.count("new") == 2
    assert "daily-amortized 2026-09" in err and "AmortizedCost" in err

    code, out, err = cli(capsys, "--config", str(config), "--data-dir", str(data_dir), "azure", "list-exports",
                         "--export", "daily-actual")
    assert code == 0 and "daily-amortized" not in out
