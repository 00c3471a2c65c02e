"""The provider registry (openfinops.providers): every provider package's config section, found by looking."""

from __future__ import annotations

import sys

import pytest

import openfinops.providers as providers
import openfinops.providers.aws as aws
from openfinops.config import load_config
from openfinops.providers import ConfigSection, config_sections
from openfinops.providers.aws.config import AwsSettings, parse_section


def test_config_sections_find_aws():
    sections = config_sections()

    assert sections["aws"] == ConfigSection(key="aws", parse=parse_section)
    assert sections["aws"].parse({}, "defaults") == AwsSettings()


def test_a_section_gets_its_values_from_the_file_then_the_environment(tmp_path, monkeypatch):
    calls = []

    def parse(values, source):
        calls.append((values, source))
        return values

    monkeypatch.setattr(aws, "SECTION", ConfigSection(key="aws", parse=parse))
    path = tmp_path / "config.toml"
    path.write_text('[aws]\nbucket = "from-file"\nprefix = "cur"\n[project]\ndata_dir = "d"\n')

    config = load_config(path, {"OPEN_FINOPS_AWS_BUCKET": "from-env", "OPEN_FINOPS_AWS_EXPORT_NAME": "payer",
                                "OPEN_FINOPS_PROJECT_DATA_DIR": "not-aws"})

    assert calls == [({"bucket": "from-env", "prefix": "cur", "export_name": "payer"}, str(path))]
    assert config.provider("aws") == {"bucket": "from-env", "prefix": "cur", "export_name": "payer"}


@pytest.fixture
def acme_provider(tmp_path, monkeypatch):
    """A provider package `acme` dropped next to `aws`; gone again after the test."""
    package = tmp_path / "acme"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from openfinops.providers import ConfigSection\n"
        "SECTION = ConfigSection(key='acme', parse=lambda values, source: {'source': source, **values})\n")
    (tmp_path / "not_a_package.py").write_text("raise AssertionError('modules are not providers')\n")
    monkeypatch.setattr(providers, "__path__", [*providers.__path__, str(tmp_path)])
    yield
    sys.modules.pop("openfinops.providers.acme", None)


def test_a_new_provider_package_is_found_without_changing_other_code(acme_provider, tmp_path):
    assert set(config_sections()) == {"aws", "azure", "gcp", "acme"}

    config = load_config(tmp_path / "missing.toml", {"OPEN_FINOPS_ACME_ACCOUNT": "42"})

    assert config.provider("acme") == {"source": str(tmp_path / "missing.toml"), "account": "42"}
    assert config.provider("aws") == AwsSettings()
