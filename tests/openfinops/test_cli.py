"""The finops CLI as a user runs it: list, import, re-import, restatement, exit codes."""

from __future__ import annotations

import duckdb
import pytest

from openfinops.cli import main
from openfinops.samples.aws_cur import write_cur_v1


@pytest.fixture
def export(tmp_path):
    root = tmp_path / "exports"
    write_cur_v1(root, periods=("2026-08", "2026-09"), rows_per_period=200)
    return root


def cli(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_list_import_and_restatement(capsys, data_dir, export):
    source = ["--path", str(export), "--export-name", "demo-cur-v1", "--cur-version", "v1"]

    code, out = cli(capsys, "--data-dir", str(data_dir), "aws", "list-manifests", *source)
    assert code == 0
    assert out.count("new") == 2 and "2026-08" in out and "2026-09" in out

    code, out = cli(capsys, "--data-dir", str(data_dir), "aws", "import-cur", *source)
    assert code == 0
    assert "2 imported, 0 replaced, 0 skipped, 0 failed" in out

    code, out = cli(capsys, "--data-dir", str(data_dir), "aws", "list-manifests", *source)
    assert out.count("already imported") == 2

    write_cur_v1(export, periods=("2026-09",), rows_per_period=200, revision=2)
    code, out = cli(capsys, "--data-dir", str(data_dir), "aws", "list-manifests", *source)
    assert "changed since import" in out

    code, out = cli(capsys, "--data-dir", str(data_dir), "aws", "import-cur", *source)
    assert code == 0
    assert "0 imported, 1 replaced, 1 skipped, 0 failed" in out
    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(DISTINCT manifest_id) FROM aws_billing.demo_cur_v1").fetchone() == (2,)


def test_configured_exports_and_env_override(capsys, tmp_path, monkeypatch, export):
    data = tmp_path / "from-env"
    config = tmp_path / "config.toml"
    config.write_text(f'[project]\ndata_dir = "{tmp_path / "from-file"}"\n\n'
                      f'[[aws.exports]]\nname = "demo-cur-v1"\ncur_version = "v1"\npath = "{export}"\n')
    monkeypatch.setenv("OPEN_FINOPS_PROJECT_DATA_DIR", str(data))

    code, out = cli(capsys, "--config", str(config), "aws", "import-cur", "--export", "demo-cur-v1",
                    "--period", "2026-09")

    assert code == 0, out
    assert "1 imported" in out
    assert (data / "finops.duckdb").exists() and not (tmp_path / "from-file").exists()


def test_failures_exit_non_zero_with_the_reason(capsys, data_dir, export):
    (export / "demo-cur-v1" / "20260901-20261001" / "demo-cur-v1-Manifest.json").write_text("not json")

    code, out = cli(capsys, "--data-dir", str(data_dir), "aws", "import-cur", "--path", str(export),
                    "--export-name", "demo-cur-v1", "--cur-version", "v1")

    assert code == 1
    assert "1 imported, 0 replaced, 0 skipped, 1 failed" in out
    assert "FAILED demo-cur-v1 2026-09" in out and "not valid JSON" in out


@pytest.mark.parametrize("args, message", [
    (["aws", "import-cur", "--path", "/x"], "needs --export-name"),
    (["aws", "import-cur", "--export-name", "x"], "needs --bucket or --path"),
    (["aws", "import-cur"], "no AWS exports configured"),
])
def test_usage_errors_exit_2(capsys, args, message):
    code, out = cli(capsys, *args)
    assert code == 2 and message in out


def test_bad_period_is_rejected(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["aws", "import-cur", "--period", "2026-13"])
    assert exc.value.code == 2
    assert "not a billing period" in capsys.readouterr().err
