"""Core configuration (openfinops.config): the file, OPEN_FINOPS_<SECTION>_<KEY> variables and CLI flags,
`[project]`, `[notifications]`, and the provider sections the registry contributes.

The `[aws]` section itself is tested in tests/openfinops/providers/aws/test_config.py. The autouse
`isolated_config` fixture (conftest.py) clears OPEN_FINOPS_* and points OPEN_FINOPS_CONFIG at an empty
file; tests pass an explicit path and env mapping to load_config unless they test the defaults.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import openfinops.config as config_module
from openfinops.config import Config, ConfigError, Notifications, load_config, parse_bool
from openfinops.providers import ConfigSection

REPO = Path(__file__).resolve().parents[2]

TOML = """
[project]
data_dir = "/srv/finops"

[notifications]
channel = "email"
smtp_host = "smtp.example.com"
smtp_port = 2525
email_to = "finops@example.com"
stale_after_hours = 24
"""


@pytest.fixture
def config_file(tmp_path) -> Path:
    return _write(tmp_path, TOML)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


# --------------------------------------------------------------------------- sources and precedence
def test_defaults_without_file_or_environment(tmp_path):
    config = load_config(tmp_path / "missing.toml", {})

    assert config == Config()
    assert config.data_dir == Path("data")
    assert config.database == Path("data") / "finops.duckdb"
    assert config.samples == Path("data") / "samples"
    assert config.notifications == Notifications()


def test_default_call_uses_the_isolated_environment(tmp_path, monkeypatch):
    # conftest points OPEN_FINOPS_CONFIG at an empty file: no developer config leaks in
    assert load_config() == Config()
    monkeypatch.setenv("OPEN_FINOPS_PROJECT_DATA_DIR", str(tmp_path / "from-env"))
    assert load_config().data_dir == tmp_path / "from-env"


def test_open_finops_config_names_the_file(config_file, monkeypatch):
    assert load_config(None, {"OPEN_FINOPS_CONFIG": str(config_file)}).data_dir == Path("/srv/finops")
    monkeypatch.setenv("OPEN_FINOPS_CONFIG", str(config_file))
    assert load_config().data_dir == Path("/srv/finops")


def test_a_named_config_file_must_exist(tmp_path):
    # A mistyped name must not quietly mean "no configuration".
    with pytest.raises(ConfigError, match=r"^config file .*typo\.toml not found$"):
        load_config(None, {"OPEN_FINOPS_CONFIG": str(tmp_path / "typo.toml")})


def test_toml_values(config_file):
    config = load_config(config_file, {})

    assert config.data_dir == Path("/srv/finops")
    assert config.database == Path("/srv/finops/finops.duckdb")
    assert config.notifications == Notifications(channel="email", smtp_host="smtp.example.com", smtp_port=2525,
                                                 email_to="finops@example.com", stale_after_hours=24.0)


def test_environment_overrides_toml(config_file):
    env = {"OPEN_FINOPS_PROJECT_DATA_DIR": "/env/data", "OPEN_FINOPS_NOTIFICATIONS_SMTP_PORT": "465",
           "UNRELATED": "x"}

    config = load_config(config_file, env)

    assert config.data_dir == Path("/env/data")
    assert config.notifications.smtp_port == 465
    assert config.notifications.smtp_host == "smtp.example.com"  # untouched


def test_empty_environment_variables_mean_not_set(config_file):
    # compose passes unset variables as ""
    config = load_config(config_file, {"OPEN_FINOPS_PROJECT_DATA_DIR": "", "OPEN_FINOPS_NOTIFICATIONS_CHANNEL": " "})
    assert config.data_dir == Path("/srv/finops")
    assert config.notifications.channel == "email"


def test_cli_flag_overrides_environment_and_toml(config_file):
    config = load_config(config_file, {"OPEN_FINOPS_PROJECT_DATA_DIR": "/env/data"})

    assert config.with_overrides(data_dir="/cli/data").data_dir == Path("/cli/data")
    assert config.with_overrides(data_dir=Path("/cli/data")).database == Path("/cli/data/finops.duckdb")
    assert config.with_overrides(data_dir="/cli/data").notifications == config.notifications
    assert config.with_overrides(data_dir="/cli/data").providers == config.providers
    # no flag given: the environment value stays
    assert config.with_overrides(data_dir=None) is config
    assert config.with_overrides().data_dir == Path("/env/data")


def test_example_config_parses():
    example = REPO / "config.toml.example"
    if not example.exists():
        pytest.skip("config.toml.example is not in the repository root yet")

    config = load_config(example, {})

    assert config.data_dir == Path("./data")
    assert config.notifications == Notifications()  # every channel is commented out
    assert config.provider("aws").exports, "the example should show at least one export"
    assert [e.type for e in config.provider("azure").exports] == ["actual", "amortized"]


# --------------------------------------------------------------------------- [project] and the file
def test_invalid_toml_names_the_file(tmp_path):
    path = _write(tmp_path, '[project]\ndata_dir = "unterminated\n')
    with pytest.raises(ConfigError) as info:
        load_config(path, {})
    assert str(info.value).startswith(f"{path}: not valid TOML")


def test_unknown_project_key(tmp_path):
    path = _write(tmp_path, '[project]\ndata_dir = "d"\ndatadir = "typo"\n')
    with pytest.raises(ConfigError, match=r": unknown \[project\] keys: datadir$"):
        load_config(path, {})


def test_unknown_project_key_from_environment(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown \[project\] keys: datadir$"):
        load_config(tmp_path / "missing.toml", {"OPEN_FINOPS_PROJECT_DATADIR": "x"})


def test_offline_report_is_off_unless_turned_on(tmp_path):
    assert load_config(tmp_path / "missing.toml", {}).offline_report is False
    assert load_config(tmp_path / "missing.toml", {"OPEN_FINOPS_PROJECT_OFFLINE_REPORT": "yes"}).offline_report is True
    assert load_config(_write(tmp_path, "[project]\noffline_report = true\n"), {}).offline_report is True
    assert load_config(_write(tmp_path, "[project]\noffline_report = true\n"),
                       {"OPEN_FINOPS_PROJECT_OFFLINE_REPORT": "false"}).offline_report is False
    with pytest.raises(ConfigError, match="offline_report must be true or false"):
        load_config(_write(tmp_path, '[project]\noffline_report = "sometimes"\n'), {})


def test_empty_data_dir(tmp_path):
    with pytest.raises(ConfigError, match="data_dir is empty"):
        load_config(_write(tmp_path, '[project]\ndata_dir = "  "\n'), {})


# --------------------------------------------------------------------------- [notifications]
def test_notification_secrets_from_the_environment(tmp_path):
    path = _write(tmp_path, '[notifications]\nchannel = "slack"\nurl = "https://hooks.example.com/from-file"\n')
    env = {"OPEN_FINOPS_NOTIFICATIONS_URL": "https://hooks.example.com/from-env",
           "OPEN_FINOPS_NOTIFICATIONS_STALE_AFTER_HOURS": "12.5"}

    notifications = load_config(path, env).notifications

    assert notifications.url == "https://hooks.example.com/from-env"
    assert notifications.stale_after_hours == 12.5


@pytest.mark.parametrize("key", ["SMTP_PORT", "STALE_AFTER_HOURS", "COMMITMENT_EXPIRY_DAYS",
                                 "COMMITMENT_MIN_UTILIZATION_PCT", "COMMITMENT_UTILIZATION_WINDOW_DAYS"])
def test_notification_numbers_must_be_numbers(tmp_path, key):
    with pytest.raises(ConfigError, match=rf"\[notifications\] {key.lower()} is not a number: 'soon'"):
        load_config(tmp_path / "missing.toml", {f"OPEN_FINOPS_NOTIFICATIONS_{key}": "soon"})


def test_commitment_alert_thresholds(tmp_path):
    assert (Notifications().commitment_expiry_days, Notifications().commitment_min_utilization_pct,
            Notifications().commitment_utilization_window_days) == (30, 80.0, 7)
    path = _write(tmp_path, "[notifications]\ncommitment_expiry_days = 60\ncommitment_min_utilization_pct = 90\n"
                            "commitment_utilization_window_days = 14\n")
    env = {"OPEN_FINOPS_NOTIFICATIONS_COMMITMENT_MIN_UTILIZATION_PCT": "72.5",
           "OPEN_FINOPS_NOTIFICATIONS_COMMITMENT_UTILIZATION_WINDOW_DAYS": "30"}

    notifications = load_config(path, env).notifications

    assert notifications.commitment_expiry_days == 60
    assert notifications.commitment_min_utilization_pct == 72.5  # the environment wins
    assert notifications.commitment_utilization_window_days == 30
    assert load_config(path, {"OPEN_FINOPS_NOTIFICATIONS_COMMITMENT_EXPIRY_DAYS": "0"}).notifications \
        .commitment_expiry_days == 0  # off


@pytest.mark.parametrize("key, value, message", [
    ("commitment_expiry_days", "7.5", r"commitment_expiry_days is not a whole number: '?7.5'?"),
    ("commitment_expiry_days", "-1", r"commitment_expiry_days must be 0 \(no expiry alerts\) or more, not -1"),
    ("commitment_min_utilization_pct", "120",
     r"commitment_min_utilization_pct must be a percentage from 0 \(no utilization alerts\) to 100, not 120"),
    ("commitment_min_utilization_pct", "-5", r"commitment_min_utilization_pct must be a percentage .* not -5"),
    ("commitment_utilization_window_days", "0", r"commitment_utilization_window_days must be 1 or more, not 0"),
])
def test_commitment_alert_thresholds_are_checked(tmp_path, key, value, message):
    with pytest.raises(ConfigError, match=rf"^\[notifications\] {message}$"):
        load_config(tmp_path / "missing.toml", {f"OPEN_FINOPS_NOTIFICATIONS_{key.upper()}": value})
    with pytest.raises(ConfigError, match=message):  # from the file too, where TOML types it
        load_config(_write(tmp_path, f"[notifications]\n{key} = {value}\n"), {})


def test_unknown_notifications_key(tmp_path):
    path = _write(tmp_path, '[notifications]\nchanel = "slack"\n')
    with pytest.raises(ConfigError, match=r"unknown \[notifications\] keys: chanel$"):
        load_config(path, {})


@pytest.mark.parametrize("settings, message", [
    ({"channel": "pager"}, "channel must be one of slack, teams, email, webhook, not 'pager'"),
    ({"channel": "teams"}, "channel 'teams' needs url"),
    ({"channel": "webhook"}, "channel 'webhook' needs url"),
    ({"channel": "email", "smtp_host": "smtp.example.com"}, "channel 'email' needs smtp_host and email_to"),
])
def test_notification_channel_validation(settings, message):
    with pytest.raises(ConfigError, match=message):
        Notifications(**settings)


def test_notifications_are_off_by_default():
    assert Notifications().channel is None
    assert Notifications(channel="webhook", url="http://127.0.0.1:9/x").url == "http://127.0.0.1:9/x"


# --------------------------------------------------------------------------- provider sections
@pytest.mark.parametrize("value, expected", [
    (True, True), (False, False), ("true", True), (" Yes ", True), ("1", True), ("false", False), ("NO", False),
    ("0", False),
])
def test_parse_bool(value, expected):
    assert parse_bool(value, "[x] flag") is expected


@pytest.mark.parametrize("value", ["maybe", 1, None])
def test_parse_bool_rejects_other_values(value):
    with pytest.raises(ConfigError, match=r"^\[x\] flag must be true or false"):
        parse_bool(value, "[x] flag")


def test_every_registered_provider_has_its_defaults():
    assert set(Config().providers) >= {"aws"}
    assert Config().provider("aws") == load_config(Path("missing.toml"), {}).provider("aws")


def test_provider_sections_read_the_file_then_the_environment(tmp_path, monkeypatch):
    """Each registered section gets its own table, with OPEN_FINOPS_<KEY>_* variables over it, and the
    file's path to name in errors."""
    calls = []

    def parse(values: dict, source: str) -> dict:
        calls.append((values, source))
        return dict(values)

    monkeypatch.setattr(config_module, "config_sections",
                        lambda: {"acme": ConfigSection(key="acme", parse=parse)})
    path = _write(tmp_path, '[acme]\nbucket = "from-file"\nregion = "eu"\n[aws]\nignored = true\n')

    config = load_config(path, {"OPEN_FINOPS_ACME_BUCKET": "from-env", "OPEN_FINOPS_ACME_NEW_KEY": "x",
                                "OPEN_FINOPS_AWS_BUCKET": "not-acme"})

    assert calls == [({"bucket": "from-env", "region": "eu", "new_key": "x"}, str(path))]
    assert config.provider("acme") == {"bucket": "from-env", "region": "eu", "new_key": "x"}
    assert set(config.providers) == {"acme"}
