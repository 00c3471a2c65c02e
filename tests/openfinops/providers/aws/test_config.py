"""The `[aws]` config section (openfinops.providers.aws.config): exports, account names, credentials block.

Read through load_config, as the registry hands the section to `parse_section`: config.toml, then
OPEN_FINOPS_AWS_* variables. The autouse `isolated_config` fixture (conftest.py) clears OPEN_FINOPS_*; tests
pass an explicit path and env mapping to load_config.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openfinops.config import Config, ConfigError, load_config
from openfinops.providers.aws.config import AwsAccountNames, AwsExport, AwsSettings, parse_exports

TOML = """
[project]
data_dir = "/srv/finops"

[[aws.exports]]
name = "cur2-payer"
cur_version = "v2"
bucket = "my-billing-bucket"
prefix = "/exports/"
region = "eu-west-1"

[[aws.exports]]
name = "legacy-cur"
cur_version = "v1"
path = "./exports/cur"

[[aws.exports]]
name = "focus.daily"
cur_version = "focus"
bucket = "focus-bucket"
endpoint_url = "http://127.0.0.1:9000"
"""


@pytest.fixture
def config_file(tmp_path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(TOML)
    return path


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


# --------------------------------------------------------------------------- sources and precedence
def test_defaults():
    assert load_config(Path("missing.toml"), {}).provider("aws") == AwsSettings()
    assert Config().provider("aws").exports == ()


def test_toml_values(config_file):
    config = load_config(config_file, {})

    assert config.provider("aws").exports == (
        AwsExport(name="cur2-payer", cur_version="v2", bucket="my-billing-bucket", prefix="/exports/",
                  region="eu-west-1"),
        AwsExport(name="legacy-cur", cur_version="v1", path="./exports/cur"),
        AwsExport(name="focus.daily", cur_version="focus", bucket="focus-bucket",
                  endpoint_url="http://127.0.0.1:9000"),
    )
    assert [e.table_name for e in config.provider("aws").exports] == ["cur2_payer", "legacy_cur", "focus_daily"]
    assert [e.location for e in config.provider("aws").exports] == [
        "s3://my-billing-bucket/exports", "./exports/cur", "s3://focus-bucket"]


def test_exports_from_environment_json_replace_the_toml_list(config_file):
    exports = [{"name": "from-env", "cur_version": "v1", "bucket": "b", "prefix": "cur"}]

    config = load_config(config_file, {"OPEN_FINOPS_AWS_EXPORTS": json.dumps(exports)})

    assert config.provider("aws").exports == (AwsExport(name="from-env", cur_version="v1", bucket="b", prefix="cur"),)
    assert config.data_dir == Path("/srv/finops")


def test_exports_from_environment_without_a_file(tmp_path):
    env = {"OPEN_FINOPS_AWS_EXPORTS": '[{"name": "a", "path": "/x"}, {"name": "b", "bucket": "bk"}]'}
    config = load_config(tmp_path / "missing.toml", env)
    assert [(e.name, e.cur_version) for e in config.provider("aws").exports] == [("a", "v2"), ("b", "v2")]
    assert load_config(tmp_path / "missing.toml", {"OPEN_FINOPS_AWS_EXPORTS": "[]"}).provider("aws").exports == ()


def test_exports_environment_not_json(tmp_path):
    with pytest.raises(ConfigError, match=r"^OPEN_FINOPS_AWS_EXPORTS is not a JSON list of exports"):
        load_config(tmp_path / "missing.toml", {"OPEN_FINOPS_AWS_EXPORTS": "[{name: a}]"})


# --------------------------------------------------------------------------- validation
def test_unknown_export_key(tmp_path):
    path = _write(tmp_path, '[[aws.exports]]\nname = "cur"\npath = "/x"\nreport_name = "cur"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path, {})
    assert str(info.value) == f"{path}: aws export 'cur' has unknown keys: report_name"


def test_export_entry_must_be_a_table(tmp_path):
    path = _write(tmp_path, '[aws]\nexports = ["cur"]\n')
    with pytest.raises(ConfigError, match=r"each \[\[aws.exports\]\] entry must be a table, got 'cur'"):
        load_config(path, {})


@pytest.mark.parametrize("version", ["v1", "v2", "focus"])
def test_cur_versions(version):
    assert AwsExport(name="x", cur_version=version, path="/x").cur_version == version


def test_cur_version_defaults_to_v2():
    assert AwsExport(name="x", path="/x").cur_version == "v2"


@pytest.mark.parametrize("version", ["v3", "V2", "cur2", "FOCUS", ""])
def test_invalid_cur_version(version):
    with pytest.raises(ConfigError, match=r"cur_version must be one of v1, v2, focus, not"):
        AwsExport(name="x", cur_version=version, path="/x")


def test_invalid_cur_version_in_toml(tmp_path):
    path = _write(tmp_path, '[[aws.exports]]\nname = "cur"\ncur_version = "2.0"\npath = "/x"\n')
    with pytest.raises(ConfigError, match=r"aws export 'cur': cur_version must be one of v1, v2, focus, not '2.0'"):
        load_config(path, {})


@pytest.mark.parametrize("fields", [
    {"bucket": "b", "path": "/x"},
    {},
    {"bucket": "", "path": ""},
    {"prefix": "cur"},  # a prefix without a bucket
])
def test_exactly_one_of_bucket_or_path(fields):
    with pytest.raises(ConfigError, match=r"set either bucket \(\+ prefix\) or path, not both or neither"):
        AwsExport(name="x", **fields)


@pytest.mark.parametrize("name", ["cur", "cur2-payer", "Legacy.CUR_2024", "0abc", "a" * 128])
def test_valid_export_names(name):
    assert AwsExport(name=name, bucket="b").name == name


@pytest.mark.parametrize("name", ["", "-cur", ".hidden", "my export", "../up", "a/b", "cur:v1", "a" * 129, None])
def test_invalid_export_names(name):
    with pytest.raises(ConfigError, match=r"is not a valid export name"):
        AwsExport(name=name, bucket="b")


def test_exports_sharing_a_table_are_rejected(tmp_path):
    path = _write(tmp_path, '[[aws.exports]]\nname = "cur2-payer"\npath = "/a"\n'
                            '[[aws.exports]]\nname = "CUR2.Payer"\nbucket = "b"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path, {})
    assert str(info.value) == (f"{path}: aws export 'CUR2.Payer' and 'cur2-payer' would share a table "
                               "(aws_billing.cur2_payer)")


def test_parse_exports_names_its_source():
    with pytest.raises(ConfigError, match=r"^OPEN_FINOPS_AWS_EXPORTS: aws export 'a-b' and 'a_b' would share a table"):
        parse_exports([{"name": "a_b", "path": "/x"}, {"name": "a-b", "path": "/y"}], source="OPEN_FINOPS_AWS_EXPORTS")


def test_location_never_shows_more_than_bucket_and_prefix():
    assert AwsExport(name="x", bucket="b", prefix="a/b/").location == "s3://b/a/b"
    assert AwsExport(name="x", bucket="b", prefix="").location == "s3://b"
    assert AwsExport(name="x", path="/data/cur").location == "/data/cur"


def test_select_aws_exports(config_file):
    config = load_config(config_file, {})

    assert config.provider("aws").select() == config.provider("aws").exports
    assert [e.name for e in config.provider("aws").select(["legacy-cur"])] == ["legacy-cur"]
    with pytest.raises(ConfigError) as info:
        config.provider("aws").select(["legacy_cur"])
    assert str(info.value) == "unknown AWS export(s): legacy_cur (configured: cur2-payer, legacy-cur, focus.daily)"
    # one-off sources (CLI) replace the configured exports and are validated the same way
    assert config.provider("aws").select(sources=[{"name": "one-off", "cur_version": "v1", "path": "/x"}]) == (
        AwsExport(name="one-off", cur_version="v1", path="/x"),)
    with pytest.raises(ConfigError, match=r"^command line: aws export 'one-off' has unknown keys: report"):
        config.provider("aws").select(sources=[{"name": "one-off", "path": "/x", "report": "y"}])
    with pytest.raises(ConfigError, match=r"^no AWS exports configured"):
        Config().provider("aws").select()


# --------------------------------------------------------------------------- edge cases
def test_duplicate_export_names_are_rejected(tmp_path):
    path = _write(tmp_path, '[[aws.exports]]\nname = "cur"\npath = "/a"\n'
                            '[[aws.exports]]\nname = "cur"\nbucket = "b"\n')
    with pytest.raises(ConfigError, match="cur"):
        load_config(path, {})


def test_export_without_name(tmp_path):
    path = _write(tmp_path, '[[aws.exports]]\ncur_version = "v1"\npath = "/a"\n')
    with pytest.raises(ConfigError, match="name"):
        load_config(path, {})


def test_unknown_aws_key_is_rejected(tmp_path):
    path = _write(tmp_path, '[[aws.export]]\nname = "cur"\npath = "/a"\n')
    with pytest.raises(ConfigError, match="export"):
        load_config(path, {})


def test_exports_environment_object_instead_of_list(tmp_path):
    env = {"OPEN_FINOPS_AWS_EXPORTS": '{"name": "cur", "path": "/a"}'}
    with pytest.raises(ConfigError, match=r"OPEN_FINOPS_AWS_EXPORTS.*list"):
        load_config(tmp_path / "missing.toml", env)


def test_sample_exports_stand_in_when_nothing_is_configured(tmp_path):
    config = load_config(tmp_path / "none.toml", {"OPEN_FINOPS_PROJECT_DATA_DIR": str(tmp_path / "data")})
    with pytest.raises(ConfigError, match="run `finops demo`"):
        config.provider("aws").select(samples=config.samples)

    (tmp_path / "data" / "samples").mkdir(parents=True)

    assert [(e.name, e.cur_version, e.path) for e in config.provider("aws").select(samples=config.samples)] == [
        ("demo-cur-v1", "v1", str(tmp_path / "data" / "samples" / "cur-v1")),
        ("demo-cur2", "v2", str(tmp_path / "data" / "samples" / "cur2"))]


# --------------------------------------------------------------------------- the single-export [aws] form
def test_single_export_keys_read_as_one_export_next_to_the_list(tmp_path):
    path = _write(tmp_path, '[aws]\nbucket = "payer-billing"\nprefix = "cur"\nexport_name = "payer-cur"\n'
                            'cur_version = "v1"\n'
                            '[[aws.exports]]\nname = "cur2"\npath = "/exports"\n')

    assert load_config(path, {}).provider("aws").exports == (
        AwsExport(name="cur2", path="/exports"),
        AwsExport(name="payer-cur", cur_version="v1", bucket="payer-billing", prefix="cur"))


def test_single_export_from_the_environment(tmp_path):
    env = {"OPEN_FINOPS_AWS_BUCKET": "payer-billing", "OPEN_FINOPS_AWS_PREFIX": "exports",
           "OPEN_FINOPS_AWS_EXPORT_NAME": "cur2-payer", "OPEN_FINOPS_AWS_CUR_VERSION": "v2",
           "OPEN_FINOPS_AWS_REGION": "eu-west-1"}

    assert load_config(tmp_path / "missing.toml", env).provider("aws").exports == (
        AwsExport(name="cur2-payer", cur_version="v2", bucket="payer-billing", prefix="exports", region="eu-west-1"),)


def test_single_export_without_a_name_is_rejected(tmp_path):
    with pytest.raises(ConfigError, match="without export_name"):
        load_config(tmp_path / "missing.toml", {"OPEN_FINOPS_AWS_BUCKET": "payer-billing"})


def test_single_export_named_like_a_listed_one_is_rejected(tmp_path):
    path = _write(tmp_path, '[aws]\nexport_name = "cur"\npath = "/a"\n[[aws.exports]]\nname = "cur"\npath = "/b"\n')
    with pytest.raises(ConfigError, match="configured twice"):
        load_config(path, {})


# --------------------------------------------------------------------------- account names
def test_account_names_sources(tmp_path):
    assert load_config(tmp_path / "missing.toml", {}).provider("aws").account_names == AwsAccountNames()
    path = _write(tmp_path, '[aws]\naccount_names_file = "accounts.csv"\norganizations = true\n')
    assert load_config(path, {}).provider("aws").account_names == AwsAccountNames(Path("accounts.csv"), True)
    env = {"OPEN_FINOPS_AWS_ORGANIZATIONS": "false", "OPEN_FINOPS_AWS_ACCOUNT_NAMES_FILE": "/etc/names.csv"}
    assert load_config(path, env).provider("aws").account_names == AwsAccountNames(Path("/etc/names.csv"), False)
    with pytest.raises(ConfigError, match="must be true or false, not 'maybe'"):
        load_config(path, {"OPEN_FINOPS_AWS_ORGANIZATIONS": "maybe"})
    with pytest.raises(ConfigError, match="must be true or false, not 'yes please'"):
        load_config(_write(tmp_path, '[aws]\norganizations = "yes please"\n'), {})


def test_account_names_read_from_the_file(tmp_path):
    names = tmp_path / "accounts.csv"
    names.write_text("account_id,account_name\n12345678901,payer\n")

    assert AwsAccountNames(file=names).read() == {"012345678901": ("payer", str(names))}
    assert AwsAccountNames().read() == {}


# --------------------------------------------------------------------------- credentials block
def test_credentials_block_applies_to_exports_without_their_own(tmp_path):
    path = _write(tmp_path, '[aws]\ncredentials_block = "finops-aws"\norganizations = true\n'
                            '[[aws.exports]]\nname = "a"\nbucket = "b"\n'
                            '[[aws.exports]]\nname = "c"\nbucket = "d"\ncredentials_block = "other"\n')

    settings = load_config(path, {}).provider("aws")

    assert [(e.name, e.credentials_block) for e in settings.exports] == [("a", "finops-aws"), ("c", "other")]
    assert settings.account_names.credentials_block == "finops-aws"
    assert load_config(path, {"OPEN_FINOPS_AWS_CREDENTIALS_BLOCK": "from-env"}).provider("aws").exports[0] \
        .credentials_block == "from-env"


# --------------------------------------------------------------------------- what the import machine reads
@pytest.mark.parametrize("version, cost_column", [("v1", "line_item_unblended_cost"),
                                                  ("v2", "line_item_unblended_cost"), ("focus", "billed_cost")])
def test_export_as_the_import_machine_sees_it(version, cost_column):
    export = AwsExport(name="Payer.CUR-2", cur_version=version, bucket="b")

    assert (export.provider, export.dataset) == ("aws", "aws_billing")
    assert export.table_name == "payer_cur_2"
    assert export.source_format == version
    assert export.cost_column == cost_column
