"""`finops dashboards provision` against a fake Metabase (conftest.py): what a fresh Metabase gets, that
a second run changes nothing, that an edited or removed card is updated or archived alone, that the API key
it issues is stored and reissued when lost or rejected, that every request matches Metabase's published
schemas, and that errors, logs and databases hold no secret."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest
from prefect.blocks.system import Secret
from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL

from cli import main
from flows.dashboards_provision import dashboards_provision
from openfinops.dashboards.definitions import DASHBOARDS_DIR, load_dashboards
from openfinops.dashboards.metabase import API_KEY_BLOCK, Metabase, stored_api_key
from openfinops.dashboards.provision import card_filters

pytestmark = pytest.mark.usefixtures("no_stored_api_key")

EMAIL, PASSWORD = "admin@example.com", "Sup3r-secret-pa55word!"  # as the fake and admin_env (conftest.py)

DATABASE_FILE = "/data/published/finops-read.duckdb"
DASHBOARDS = load_dashboards()
CARDS = sum(len(d.cards) for d in DASHBOARDS)


def provision(fake, folder=DASHBOARDS_DIR) -> list[str]:
    return dashboards_provision(url=fake.url, database_path=DATABASE_FILE, dashboards_dir=str(folder))


def sign_ins(fake) -> int:
    return sum(method == "POST" and route.rstrip("/") == "/api/session" for method, route, _ in fake.calls)


@pytest.fixture
def dashboards_copy(tmp_path):
    folder = tmp_path / "dashboards"
    shutil.copytree(DASHBOARDS_DIR, folder, ignore=shutil.ignore_patterns("metabase", "*.md"))
    return folder


def test_a_fresh_metabase_gets_database_collection_cards_and_wired_dashboards(fake_metabase, admin_env):
    lines = provision(fake_metabase)

    assert lines[:4] == [f"created admin {EMAIL}", "created api-key Open FinOps Stack",
                         "created database Open FinOps Stack (FOCUS)", "created collection Open FinOps Stack"]
    assert sum(line.startswith("created card ") for line in lines) == CARDS
    assert sorted(line for line in lines if " dashboard " in line) == sorted(
        f"created dashboard {d.name}" for d in DASHBOARDS)
    [database] = fake_metabase.live("database")
    assert database["engine"] == "duckdb"
    assert database["details"] == {"database_file": DATABASE_FILE, "read_only": True, "old_implicit_casting": True}
    assert len(fake_metabase.live("card")) == CARDS
    cards = {c["id"]: c for c in fake_metabase.live("card")}
    dashboards = {d["name"]: d for d in fake_metabase.live("dashboard")}
    for definition in DASHBOARDS:
        dashboard = dashboards[definition.title]
        assert [p["slug"] for p in dashboard["parameters"]] == [f.name for f in definition.filters]
        assert len(dashboard["dashcards"]) == len(definition.cards)
        for card, dashcard in zip(definition.cards, dashboard["dashcards"]):
            tags = cards[dashcard["card_id"]]["dataset_query"]["native"]["template-tags"]
            wired = {m["parameter_id"] for m in dashcard["parameter_mappings"]}
            assert wired == set(tags) == {f.name for f in card_filters(card, definition)}
            assert (dashcard["col"], dashcard["row"], dashcard["size_x"]) == (
                card.position.col, card.position.row, card.position.size_x)
    assert fake_metabase.conformance.violations == []


def test_every_filterable_card_is_wired_to_every_dashboard_filter(fake_metabase, admin_env):
    provision(fake_metabase)

    cards = {c["id"]: c for c in fake_metabase.live("card")}
    for dashboard in fake_metabase.live("dashboard"):
        for dashcard in dashboard["dashcards"]:
            query = cards[dashcard["card_id"]]["dataset_query"]["native"]
            if "{{" not in query["query"]:
                continue
            for name, tag in query["template-tags"].items():
                if tag["type"] == "dimension":
                    assert tag["dimension"][0] == "field" and tag["dimension"][1] > 0
                    assert tag["widget-type"] in ("string/=", "date/all-options")
                    assert f"{{{{{name}}}}}" in query["query"]
                else:
                    assert tag["type"] == "text" and "[[AND (" in query["query"]


def test_a_second_run_changes_nothing(fake_metabase, admin_env):
    provision(fake_metabase)
    fake_metabase.calls.clear()

    lines = provision(fake_metabase)

    assert fake_metabase.writes() == []
    assert all(line.startswith("unchanged ") for line in lines)
    assert len(fake_metabase.live("card")) == CARDS and len(fake_metabase.live("dashboard")) == len(DASHBOARDS)


def test_an_edited_card_is_the_only_update(fake_metabase, admin_env, dashboards_copy):
    provision(fake_metabase, dashboards_copy)
    path = dashboards_copy / "cost-explorer.yaml"
    path.write_text(path.read_text().replace("limit 15\n\n  - id: movers-by-sub-account",
                                             "limit 20\n\n  - id: movers-by-sub-account"))
    fake_metabase.calls.clear()

    lines = provision(fake_metabase, dashboards_copy)

    [(method, route, body)] = fake_metabase.writes()
    assert method == "PUT" and route.startswith("/api/card/") and "limit 20" in body["dataset_query"]["native"]["query"]
    changed = [line for line in lines if not line.startswith("unchanged")]
    assert changed == ["updated card cost-explorer/movers-by-service"]


def test_a_removed_card_is_archived(fake_metabase, admin_env, dashboards_copy):
    provision(fake_metabase, dashboards_copy)
    path = dashboards_copy / "data-health.yaml"
    text = path.read_text()
    start = text.index("  - id: periods-loaded")
    path.write_text(text[:start] + text[text.index("  - id: ", start + 1):])  # up to the next card

    lines = provision(fake_metabase, dashboards_copy)

    assert "archived card data-health/periods-loaded" in lines and "updated dashboard data-health" in lines
    assert len(fake_metabase.live("card")) == CARDS - 1
    [dashboard] = [d for d in fake_metabase.live("dashboard") if d["name"] == "Data health"]
    assert len(dashboard["dashcards"]) == len(next(d for d in DASHBOARDS if d.name == "data-health").cards) - 1
    assert fake_metabase.conformance.violations == []


def test_a_removed_dashboard_file_is_archived(fake_metabase, admin_env, dashboards_copy):
    provision(fake_metabase, dashboards_copy)
    (dashboards_copy / "tags-allocation.yaml").unlink()

    lines = provision(fake_metabase, dashboards_copy)

    assert "archived dashboard tags-allocation" in lines
    assert len(fake_metabase.live("dashboard")) == len(DASHBOARDS) - 1


def test_an_api_key_needs_no_password(fake_metabase, monkeypatch):
    fake_metabase.set_up_already()
    _, key = fake_metabase.issue_key("Someone's key")
    monkeypatch.setenv("METABASE_API_KEY", key)
    for name in ("METABASE_ADMIN_EMAIL", "METABASE_ADMIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)

    lines = provision(fake_metabase)

    assert sign_ins(fake_metabase) == 0
    assert len(fake_metabase.live("dashboard")) == len(DASHBOARDS)
    assert not any(" api-key " in line for line in lines) and stored_api_key() is None


def test_the_first_run_issues_an_admin_api_key_and_signs_in_with_it(fake_metabase, admin_env):
    provision(fake_metabase)

    [record] = fake_metabase.key_records.values()
    assert record["name"] == "Open FinOps Stack" and record["group"] == {"id": 2, "name": "Administrators"}
    assert fake_metabase.api_keys == {stored_api_key(): record["id"]}
    assert sign_ins(fake_metabase) == 1  # to issue the key; the steps after sign in with it
    assert fake_metabase.conformance.violations == []


def test_a_second_run_signs_in_with_the_stored_key_alone(fake_metabase, admin_env, monkeypatch):
    provision(fake_metabase)
    key = stored_api_key()
    fake_metabase.calls.clear()
    monkeypatch.delenv("METABASE_ADMIN_PASSWORD")

    lines = provision(fake_metabase)

    assert lines[0] == "unchanged api-key Open FinOps Stack"
    assert sign_ins(fake_metabase) == 0 and fake_metabase.writes() == []
    assert stored_api_key() == key


def test_a_deleted_block_gets_the_key_regenerated(fake_metabase, admin_env):
    provision(fake_metabase)
    old = stored_api_key()
    Secret.delete(API_KEY_BLOCK)

    lines = provision(fake_metabase)

    assert lines[0] == "regenerated api-key Open FinOps Stack"
    assert all(line.startswith("unchanged ") for line in lines[1:])
    new = stored_api_key()
    assert new != old and list(fake_metabase.api_keys) == [new] and len(fake_metabase.key_records) == 1


def test_a_key_metabase_rejects_falls_back_to_the_password_and_is_regenerated(fake_metabase, admin_env):
    provision(fake_metabase)
    old = stored_api_key()
    [record_id] = fake_metabase.key_records
    fake_metabase.revoke(record_id)
    fake_metabase.calls.clear()

    lines = provision(fake_metabase)

    assert lines[0] == "regenerated api-key Open FinOps Stack"
    assert sign_ins(fake_metabase) == 1
    new = stored_api_key()
    assert new != old and list(fake_metabase.api_keys) == [new]
    assert fake_metabase.conformance.violations == []


def test_the_validator_rejects_a_body_metabase_would_reject(fake_metabase):
    fake_metabase.set_up_already()
    with Metabase(fake_metabase.url) as metabase:
        metabase.login(EMAIL, PASSWORD)
        with pytest.raises(Exception, match="'display' is a required property"):
            metabase.post("/api/card", {"name": "x", "dataset_query": {}, "visualization_settings": {}})
        with pytest.raises(Exception, match="not an endpoint of the extract"):
            metabase.get("/api/user/current")


def test_a_wrong_admin_password_is_one_line_without_secrets(fake_metabase, admin_env, capsys, caplog, data_dir):
    fake_metabase.set_up_already(password="the-real-one")
    caplog.set_level(logging.DEBUG)

    code = main(["--data-dir", str(data_dir), "dashboards", "provision", "--url", fake_metabase.url])

    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [
        "finops: POST /api/session: HTTP 401: password: did not match stored password"]
    logged = caplog.text + (data_dir / "finops.log").read_text() if (data_dir / "finops.log").exists() else caplog.text
    assert PASSWORD not in out + err + logged and "the-real-one" not in out + err + logged


def test_no_secret_reaches_the_output_the_logs_or_a_database(fake_metabase, admin_env, capsys, caplog, data_dir):
    caplog.set_level(logging.DEBUG)
    command = ["--data-dir", str(data_dir), "dashboards", "provision", "--url", fake_metabase.url]

    code = main(command)
    created = stored_api_key()
    fake_metabase.revoke(fake_metabase.api_keys[created])
    code += main(command)  # the key rejected: signs in with the password and regenerates it

    out, err = capsys.readouterr()
    assert code == 0, err
    assert {"created api-key Open FinOps Stack", "regenerated api-key Open FinOps Stack",
            "created dashboard executive-summary"} <= set(out.splitlines())
    written = [p.read_bytes() for p in data_dir.rglob("*") if p.is_file()]
    # Prefect keeps the Secret block encrypted: its database holds no key in plain text.
    prefect_db = Path(PREFECT_SERVER_DATABASE_CONNECTION_URL.value().split("///", 1)[1])
    assert prefect_db.exists()
    written += [p.read_bytes() for p in prefect_db.parent.glob(prefect_db.name + "*")]
    everything = (out + err + caplog.text).encode() + b"".join(written)
    secrets = [PASSWORD, fake_metabase.properties["setup-token"], *fake_metabase.sessions, created,
               stored_api_key()]
    assert not [s for s in secrets if s.encode() in everything]


@pytest.mark.skipif(not os.environ.get("METABASE_URL"), reason="set METABASE_URL (and METABASE_ADMIN_*) to run")
def test_live_metabase_provisions_twice_without_changes():
    database = os.environ.get("METABASE_DATABASE_PATH", DATABASE_FILE)
    dashboards_provision(url=os.environ["METABASE_URL"], database_path=database)

    again = dashboards_provision(url=os.environ["METABASE_URL"], database_path=database)

    assert all(line.startswith("unchanged ") for line in again), again
