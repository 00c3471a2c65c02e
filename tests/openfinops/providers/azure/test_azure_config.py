"""The `[azure]` config section (openfinops.providers.azure.config): exports, their storage and secrets.

Read through load_config, as the registry hands the section to `parse_section`: config.toml, then
OPEN_FINOPS_AZURE_* variables.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openfinops.config import ConfigError, load_config
from openfinops.providers import config_sections
from openfinops.providers.azure import SECTION
from openfinops.providers.azure.config import AzureExport, AzureSettings, parse_exports, sample_exports
from openfinops.providers.azure.storage import _credentials, blob_location

SECRET = "AccountKey=c2VjcmV0LWtleS1kby1ub3Qtc2hvdw=="

TOML = """
[[azure.exports]]
name = "daily-actual"
type = "actual"
container_url = "https://acct.blob.core.windows.net/billing/costs"

[[azure.exports]]
name = "Focus.Monthly"
type = "FocusCost"
path = "./exports/azure"
sas_token = "sv=2024&sig=own-secret"
"""


def test_the_section_is_registered_and_defaults_to_no_exports():
    assert config_sections()["azure"] == SECTION
    assert load_config(Path("missing.toml"), {}).provider("azure") == AzureSettings()


def test_exports_from_the_file_and_credentials_from_the_environment(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(TOML)

    settings = load_config(path, {"OPEN_FINOPS_AZURE_CONNECTION_STRING": f"DefaultEndpointsProtocol=https;{SECRET}"}
                           ).provider("azure")

    daily, focus = settings.exports
    assert (daily.name, daily.type, daily.table_name, daily.source_format, daily.cost_column) == (
        "daily-actual", "actual", "daily_actual", "actual", "cost_in_billing_currency")
    assert daily.connection_string == f"DefaultEndpointsProtocol=https;{SECRET}"
    assert (focus.type, focus.table_name, focus.cost_column, focus.sas_token) == (
        "focus", "focus_monthly", "billed_cost", "sv=2024&sig=own-secret")
    assert focus.connection_string is None  # its own SAS token wins
    assert daily.location == "https://acct.blob.core.windows.net/billing/costs"
    assert (daily.provider, daily.dataset) == ("azure", "azure_billing")
    assert settings.account_names.read() == {}


def test_secrets_are_never_shown():
    export = AzureExport(name="x", type="amortized", container_url="https://acct.blob.core.windows.net/c",
                         connection_string=SECRET, sas_token="sig=hidden")
    assert "c2VjcmV0" not in repr(export) and "hidden" not in repr(export)
    assert "c2VjcmV0" not in export.location
    with pytest.raises(ConfigError) as bad:
        AzureExport(name="x", type="actual", container_url="https://acct.blob.core.windows.net/c?sv=1&sig=hidden")
    assert "hidden" not in str(bad.value) and "sas_token" in str(bad.value)


def test_exports_as_json_in_the_environment_and_a_single_export_of_plain_keys(tmp_path):
    exports = [{"name": "amortized", "type": "amortized", "path": str(tmp_path)}]
    settings = load_config(Path("missing.toml"), {"OPEN_FINOPS_AZURE_EXPORTS": json.dumps(exports),
                                                   "OPEN_FINOPS_AZURE_EXPORT_NAME": "one",
                                                   "OPEN_FINOPS_AZURE_TYPE": "ActualCost",
                                                   "OPEN_FINOPS_AZURE_PATH": str(tmp_path)}).provider("azure")

    assert [(e.name, e.type) for e in settings.exports] == [("amortized", "amortized"), ("one", "actual")]


@pytest.mark.parametrize(("item", "error"), [
    ({"name": "x", "type": "usage-ish", "path": "p"}, "type must be one of actual, amortized, focus"),
    ({"name": "x", "type": "actual"}, "set either container_url or path"),
    ({"name": "x", "type": "actual", "path": "p", "container_url": "https://a.blob.core.windows.net/c"},
     "not both"),
    ({"name": "x", "path": "p"}, "has no type"),
    ({"name": "x", "type": "actual", "path": "p", "bucket": "b"}, "unknown keys: bucket"),
    ({"name": "x", "type": "actual", "container_url": "https://acct.blob.core.windows.net/"}, "is not https://"),
    ({"name": "bad name", "type": "actual", "path": "p"}, "not a valid export name"),
])
def test_bad_exports(item, error):
    with pytest.raises(ConfigError, match=error):
        parse_exports([item])


def test_two_exports_sharing_a_table():
    with pytest.raises(ConfigError, match="would share a table"):
        parse_exports([{"name": "a-b", "type": "actual", "path": "p"}, {"name": "a.b", "type": "actual", "path": "q"}])


def test_selecting_exports_and_the_samples(tmp_path):
    samples = tmp_path / "samples"
    with pytest.raises(ConfigError, match="no Azure exports configured"):
        AzureSettings().select(samples=samples)
    (samples / "azure").mkdir(parents=True)

    assert AzureSettings().select(samples=samples) == sample_exports(samples) == (
        AzureExport(name="demo-azure-actual", type="actual", path=str(samples / "azure")),
        AzureExport(name="demo-azure-amortized", type="amortized", path=str(samples / "azure")))
    configured = AzureSettings(exports=sample_exports(samples))
    assert configured.select(["demo-azure-amortized"]) == sample_exports(samples)[1:]
    with pytest.raises(ConfigError, match="unknown Azure export"):
        configured.select(["nope"])
    assert configured.select(sources=[{"name": "cli", "type": "focus", "path": "p"}])[0].name == "cli"


def test_container_urls_of_both_styles():
    assert blob_location("https://acct.blob.core.windows.net/billing/costs/azure") == blob_location(
        "https://acct.blob.core.windows.net/billing/costs/azure/")
    location = blob_location("https://acct.blob.core.windows.net/billing/costs/azure")
    assert (location.account_name, location.account_url, location.container, location.folder) == (
        "acct", "https://acct.blob.core.windows.net", "billing", "costs/azure")
    azurite = blob_location("http://127.0.0.1:10000/devstoreaccount1/billing")
    assert (azurite.account_name, azurite.account_url, azurite.container, azurite.folder) == (
        "devstoreaccount1", "http://127.0.0.1:10000/devstoreaccount1", "billing", "")


def test_credentials_first_found_wins(monkeypatch):
    monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING", raising=False)
    monkeypatch.delenv("AZURE_STORAGE_SAS_TOKEN", raising=False)
    url = "https://acct.blob.core.windows.net/billing"
    location = blob_location(url)

    def kwargs(**secrets):
        return _credentials(AzureExport(name="x", type="actual", container_url=url, **secrets), location)

    assert kwargs() == {"account_name": "acct", "account_host": "acct.blob.core.windows.net", "anon": False}
    monkeypatch.setenv("AZURE_STORAGE_SAS_TOKEN", "?sv=env")
    assert kwargs() == {"connection_string": "BlobEndpoint=https://acct.blob.core.windows.net;"
                                             "SharedAccessSignature=sv=env"}
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", "from-env")
    assert kwargs() == {"connection_string": "from-env"}
    assert kwargs(sas_token="sv=own")["connection_string"].endswith("SharedAccessSignature=sv=own")
    assert kwargs(connection_string="own") == {"connection_string": "own"}
