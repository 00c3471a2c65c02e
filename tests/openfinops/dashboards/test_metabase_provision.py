"""`finops dashboards provision` against a fake Metabase (conftest.py): what a fresh Metabase gets, that
a second run changes nothing, that an edited or removed card is updated or archived alone, that every
request matches Metabase's published schemas, and that errors and logs hold no secret."""

from __future__ import annotations

import logging
import os
import shutil

import pytest

from cli import main
from flows.dashboards_provision import dashboards_provision
from openfinops.dashboards.definitions import DASHBOARDS_DIR, load_dashboards
from openfinops.dashboards.metabase import Metabase
from openfinops.dashboards.provision import card_filters

EMAIL, PASSWORD = "admin@example.com", "Sup3r-secret-pa55word!"  # as the fake and admin_env (conftest.py)

DATABASE_FILE = "/data/published/finops-read.duckdb"
DASHBOARDS = load_dashboards()
CARDS = sum(len(d.cards) for d in DASHBOARDS)


def provision(fake, folder=DASHBOARDS_DIR) -> list[str]:
    return dashboards_provision(url=fake.url, database_path=DATABASE_FILE, dashboards_dir=str(folder))


@pytest.fixture
def dashboards_copy(tmp_path):
    folder = tmp_path / "dashboards"
    shutil.copytree(DASHBOARDS_DIR, folder, ignore=shutil.ignore_patterns("metabase", "*.md"))
    return folder


def test_a_fresh_metabase_gets_database_collection_cards_and_wired_dashboards(fake_metabase, admin_env):
    lines = provision(fake_metabase)

    assert lines[:3] == [f"created admin {EMAIL}", "created database Open FinOps Stack (FOCUS)",
                         "created collection Open FinOps Stack"]
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
    path.write_text(text[:start] + text[text.index("  - id: imports"):])

    lines = provision(fake_metabase, dashboards_copy)

    assert "archived card data-health/periods-loaded" in lines and "updated dashboard data-health" in lines
    assert len(fake_metabase.live("card")) == CARDS - 1
    [dashboard] = [d for d in fake_metabase.live("dashboard") if d["name"] == "Data health"]
    assert len(dashboard["dashcards"]) == 6
    assert fake_metabase.conformance.violations == []


def test_a_removed_dashboard_file_is_archived(fake_metabase, admin_env, dashboards_copy):
    provision(fake_metabase, dashboards_copy)
    (dashboards_copy / "tags-allocation.yaml").unlink()

    lines = provision(fake_metabase, dashboards_copy)

    assert "archived dashboard tags-allocation" in lines
    assert len(fake_metabase.live("dashboard")) == len(DASHBOARDS) - 1


def test_an_api_key_needs_no_password(fake_metabase, monkeypatch):
    fake_metabase.set_up_already()
    fake_metabase.api_keys.add("mb_key_for_tests")
    monkeypatch.setenv("METABASE_API_KEY", "mb_key_for_tests")
    for name in ("METABASE_ADMIN_EMAIL", "METABASE_ADMIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)

    provision(fake_metabase)

    assert not any(route.rstrip("/") == "/api/session" for _, route, _ in fake_metabase.calls)
    assert len(fake_metabase.live("dashboard")) == len(DASHBOARDS)


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


def test_no_secret_reaches_the_output_or_the_logs(fake_metabase, admin_env, capsys, caplog, data_dir):
    caplog.set_level(logging.DEBUG)

    code = main(["--data-dir", str(data_dir), "dashboards", "provision", "--url", fake_metabase.url])

    out, err = capsys.readouterr()
    assert code == 0, err
    assert "created dashboard executive-summary" in out.splitlines()
    everything = out + err + caplog.text + "".join(p.read_text() for p in data_dir.glob("*.log"))
    secrets = [PASSWORD, fake_metabase.properties["setup-token"], *fake_metabase.sessions]
    assert not [s for s in secrets if s in everything]


@pytest.mark.skipif(not os.environ.get("METABASE_URL"), reason="set METABASE_URL (and METABASE_ADMIN_*) to run")
def test_live_metabase_provisions_twice_without_changes():
    database = os.environ.get("METABASE_DATABASE_PATH", DATABASE_FILE)
    dashboards_provision(url=os.environ["METABASE_URL"], database_path=database)

    again = dashboards_provision(url=os.environ["METABASE_URL"], database_path=database)

    assert all(line.startswith("unchanged ") for line in again), again
