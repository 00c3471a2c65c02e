"""Provision the dashboard files into Metabase (v0.63): the DuckDB database, a collection, one native
SQL question per card and one dashboard per file, its filters wired to every card they narrow.

Idempotent. Every provisioned card and dashboard ends its description with a marker naming its file
and card, `Provisioned from dashboards/<file>.yaml#<card id> (version <hash>)`: that is its
identity, and the hash of what was sent says whether it changed. A run creates what is missing,
updates (PUT) what changed, leaves the rest alone and archives the cards and dashboards whose file
or card is gone. Edits made in Metabase to a provisioned object are overwritten once its file changes.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass

from .cards_sql import qualified
from .definitions import DATE_RANGE, PLACEHOLDERS, Card, Dashboard, DashboardError, Filter
from .metabase import Metabase, MetabaseError, admin_credentials

COLLECTION = "Open FinOps Stack"
API_KEY = "Open FinOps Stack"  # the API key provisioning issues, in the Administrators group
ADMIN_GROUP = "Administrators"
DATABASE = "Open FinOps Stack (FOCUS)"
IN_CONTAINER_DATABASE = "/data/published/finops-read.duckdb"  # the metabase service's view of finops-data
MARKER = re.compile(r"Provisioned from dashboards/(?P<key>[\w.-]+\.yaml(?:#[\w-]+)?) \(version (?P<version>\w+)\)")
DISPLAYS = {"number": "scalar", "line": "line", "area": "area", "bar": "bar", "stacked_bar": "bar",
            "table": "table", "pivot": "table"}  # Metabase's pivot table needs a GUI query; a table pivots natively
TAG_IDS = uuid.UUID("5a4f4a7e-0d7b-4f0e-9a57-0b1c1f1e2d3c")  # namespace for stable template-tag ids


@dataclass(frozen=True)
class Outcome:
    action: str  # created, updated, unchanged, archived, regenerated
    kind: str  # database, collection, card, dashboard, admin, api-key
    name: str

    def __str__(self) -> str:
        return f"{self.action} {self.kind} {self.name}"


def set_up(metabase: Metabase) -> Outcome | None:
    """Metabase's first-run setup, when it has not been done: the admin from METABASE_ADMIN_*."""
    properties = metabase.get("/api/session/properties")
    if properties.get("has-user-setup") or not properties.get("setup-token"):
        return None
    email, password = admin_credentials()
    session = metabase.post("/api/setup", {
        "token": properties["setup-token"],
        "user": {"email": email, "password": password, "first_name": "FinOps", "last_name": "Admin"},
        "prefs": {"site_name": COLLECTION}})
    metabase.use_session(session["id"])
    return Outcome("created", "admin", email)


def accepts(metabase: Metabase) -> bool:
    """Whether Metabase takes the client's credentials: False on a 401 (a key deleted or regenerated)."""
    try:
        metabase.get("/api/api-key/")
    except MetabaseError as exc:
        if exc.status == 401:
            return False
        raise
    return True


def issue_api_key(metabase: Metabase) -> tuple[str, Outcome]:
    """The "Open FinOps Stack" API key of the Administrators group: created, or regenerated if it exists
    (Metabase shows a key only when it makes one). Returns the key, for the caller to store and not show."""
    found = next((k for k in metabase.get("/api/api-key/") if k["name"] == API_KEY), None)
    if found is not None:
        issued = metabase.put(f"/api/api-key/{found['id']}/regenerate")
        return issued["unmasked_key"], Outcome("regenerated", "api-key", API_KEY)
    group = next((g for g in metabase.get("/api/permissions/group") if g["name"] == ADMIN_GROUP), None)
    if group is None:
        raise MetabaseError(f"Metabase has no {ADMIN_GROUP} group to give the API key")
    created = metabase.post("/api/api-key/", {"group_id": group["id"], "name": API_KEY})
    return created["unmasked_key"], Outcome("created", "api-key", API_KEY)


def ensure_database(metabase: Metabase, database_file: str) -> tuple[int, Outcome]:
    """The DuckDB connection to the published read-only copy, by name; its settings kept as below."""
    details = {"database_file": database_file, "read_only": True, "old_implicit_casting": True}
    databases = metabase.get("/api/database")
    found = next((d for d in _data(databases) if d["name"] == DATABASE and d["engine"] == "duckdb"), None)
    if found is None:
        created = metabase.post("/api/database", {
            "name": DATABASE, "engine": "duckdb", "details": details,
            "is_full_sync": True, "is_on_demand": False, "connection_source": "admin"})
        return created["id"], Outcome("created", "database", DATABASE)
    if all(found.get("details", {}).get(key) == value for key, value in details.items()):
        return found["id"], Outcome("unchanged", "database", DATABASE)
    metabase.put(f"/api/database/{found['id']}", {"details": {**found.get("details", {}), **details}})
    return found["id"], Outcome("updated", "database", DATABASE)


def sync_fields(metabase: Metabase, database_id: int, tables: set[str], timeout: float = 300,
                poll: float = 2) -> dict[str, int]:
    """Field ids as "schema.table.column", once Metabase has synced every table in `tables`
    (asking it to sync when one is missing)."""
    fields = _fields(metabase, database_id)
    if _synced(fields, tables):
        return fields
    metabase.post(f"/api/database/{database_id}/sync_schema")
    deadline = time.monotonic() + timeout
    while True:
        fields = _fields(metabase, database_id)
        if _synced(fields, tables):
            return fields
        if time.monotonic() > deadline:
            missing = sorted(t for t in tables if not any(f.startswith(t + ".") for f in fields))
            raise MetabaseError(f"Metabase has not synced {', '.join(missing)} after {timeout:.0f} s: is the "
                                "database file published and readable by Metabase?")
        time.sleep(poll)


def ensure_collection(metabase: Metabase) -> tuple[int, Outcome]:
    for collection in metabase.get("/api/collection"):
        if collection.get("name") == COLLECTION and collection.get("location") == "/" \
                and not collection.get("personal_owner_id") and not collection.get("archived"):
            return collection["id"], Outcome("unchanged", "collection", COLLECTION)
    created = metabase.post("/api/collection", {"name": COLLECTION,
                                                "description": "Dashboards provisioned from dashboards/*.yaml"})
    return created["id"], Outcome("created", "collection", COLLECTION)


def provisioned(metabase: Metabase, collection_id: int) -> dict[str, dict]:
    """The collection's provisioned cards and dashboards by marker key, each with its `version`."""
    items = metabase.get(f"/api/collection/{collection_id}/items", models=["card", "dashboard"])
    found = {}
    for item in _data(items):
        match = MARKER.search(item.get("description") or "")
        if match:
            found[match["key"]] = {**item, "version": match["version"]}
    return found


def needed_tables(dashboards: list[Dashboard]) -> set[str]:
    return {c.source for d in dashboards for c in d.cards if c.source and card_filters(c, d)}


def provision_dashboard(metabase: Metabase, dashboard: Dashboard, database_id: int, collection_id: int,
                        fields: dict[str, int], existing: dict[str, dict]) -> list[Outcome]:
    """Create or update the dashboard's cards and the dashboard; archive its cards no longer in the file."""
    outcomes, card_ids = [], {}
    for card in dashboard.cards:
        card_ids[card.id], outcome = _ensure_card(metabase, dashboard, card, database_id, collection_id, fields,
                                                  existing)
        outcomes.append(outcome)
    prefix = f"{dashboard.path.name}#"
    for key, item in existing.items():
        if key.startswith(prefix) and item["model"] == "card" and key[len(prefix):] not in card_ids:
            metabase.put(f"/api/card/{item['id']}", {"archived": True})
            outcomes.append(Outcome("archived", "card", f"{dashboard.name}/{key[len(prefix):]}"))
    outcomes.append(_ensure_dashboard(metabase, dashboard, collection_id, card_ids, existing))
    return outcomes


def archive_removed(metabase: Metabase, existing: dict[str, dict], files: set[str]) -> list[Outcome]:
    """Archive the cards and dashboards whose dashboard file is gone."""
    outcomes = []
    for key, item in existing.items():
        if key.split("#")[0] not in files:
            metabase.put(f"/api/{item['model']}/{item['id']}", {"archived": True})
            outcomes.append(Outcome("archived", item["model"], key.replace(".yaml", "").replace("#", "/")))
    return outcomes


def native_sql(card: Card, dashboard: Dashboard) -> str:
    """The card's SQL with Metabase template tags: `{{filters}}` becomes one field filter per category
    filter (empty: `1 = 1`) and an optional clause for the tag filter; `{{date_range}}` stays a field filter."""
    offered = [f for f in dashboard.filters if f.name != DATE_RANGE]

    def expand(match) -> str:
        if match.group(1) == DATE_RANGE:
            return "{{" + DATE_RANGE + "}}"
        parts = [f"{{{{{f.name}}}}}" for f in offered if f.type == "category"] or ["1 = 1"]
        tag = next((f for f in offered if f.type == "tag"), None)
        optional = f" [[AND ({qualified(card.source, tag.column)} ->> split_part({{{{{tag.name}}}}}, '=', 1)) = " \
                   f"split_part({{{{{tag.name}}}}}, '=', 2)]]" if tag else ""
        return "(" + " AND ".join(parts) + optional + ")"

    return PLACEHOLDERS.sub(expand, card.sql)


def card_filters(card: Card, dashboard: Dashboard) -> list[Filter]:
    """The dashboard filters that narrow this card."""
    return [f for f in dashboard.filters if card.takes(f)]


def card_payload(card: Card, dashboard: Dashboard, database_id: int, collection_id: int,
                 fields: dict[str, int]) -> dict:
    tags = {}
    for flt in card_filters(card, dashboard):
        tag = {"id": str(uuid.uuid5(TAG_IDS, f"{dashboard.name}/{card.id}/{flt.name}")), "name": flt.name,
               "display-name": flt.title, "type": "text"}
        if flt.type != "tag":
            field = f"{card.source}.{flt.column}"
            if field not in fields:
                raise DashboardError(f"{dashboard.path}: card {card.id}: Metabase has no column {field}")
            tag |= {"type": "dimension", "dimension": ["field", fields[field], None],
                    "widget-type": "date/all-options" if flt.type == "date_range" else "string/="}
        tags[flt.name] = tag
    return {"name": card.title, "display": DISPLAYS[card.display], "collection_id": collection_id,
            "visualization_settings": _visualization(card),
            "dataset_query": {"type": "native", "database": database_id,
                              "native": {"query": native_sql(card, dashboard), "template-tags": tags}}}


def dashboard_parameters(dashboard: Dashboard) -> list[dict]:
    return [{"id": f.name, "name": f.title, "slug": f.name,
             "type": "date/all-options" if f.type == "date_range" else "string/=",
             "sectionId": "date" if f.type == "date_range" else "string"} for f in dashboard.filters]


def parameter_mappings(card: Card, dashboard: Dashboard, card_id: int) -> list[dict]:
    return [{"parameter_id": f.name, "card_id": card_id,
             "target": ["variable" if f.type == "tag" else "dimension", ["template-tag", f.name]]}
            for f in card_filters(card, dashboard)]


def _ensure_card(metabase: Metabase, dashboard: Dashboard, card: Card, database_id: int, collection_id: int,
                 fields: dict[str, int], existing: dict[str, dict]) -> tuple[int, Outcome]:
    key = f"{dashboard.path.name}#{card.id}"
    payload = card_payload(card, dashboard, database_id, collection_id, fields)
    version = _version(payload, card.description)
    payload["description"] = _described(card.description, key, version)
    name = f"{dashboard.name}/{card.id}"
    found = existing.get(key)
    if found is None:
        return metabase.post("/api/card", payload)["id"], Outcome("created", "card", name)
    if found["version"] == version:
        return found["id"], Outcome("unchanged", "card", name)
    metabase.put(f"/api/card/{found['id']}", payload)
    return found["id"], Outcome("updated", "card", name)


def _ensure_dashboard(metabase: Metabase, dashboard: Dashboard, collection_id: int, card_ids: dict[str, int],
                      existing: dict[str, dict]) -> Outcome:
    key = dashboard.path.name
    layout = [{"card_id": card_ids[c.id], "row": c.position.row, "col": c.position.col,
               "size_x": c.position.size_x, "size_y": c.position.size_y, "series": [],
               "parameter_mappings": parameter_mappings(c, dashboard, card_ids[c.id])} for c in dashboard.cards]
    body = {"name": dashboard.title, "collection_id": collection_id, "parameters": dashboard_parameters(dashboard)}
    version = _version({**body, "dashcards": layout}, dashboard.description)
    body["description"] = _described(dashboard.description, key, version)
    found = existing.get(key)
    if found is not None and found["version"] == version:
        return Outcome("unchanged", "dashboard", dashboard.name)
    if found is None:
        dashboard_id, action = metabase.post("/api/dashboard", body)["id"], "created"
    else:
        dashboard_id, action = found["id"], "updated"
    # Keep the ids of dashcards already showing a card; a negative id makes a new one.
    current = {d["card_id"]: d["id"] for d in metabase.get(f"/api/dashboard/{dashboard_id}").get("dashcards", [])}
    dashcards = [{"id": current.get(d["card_id"], -n), **d} for n, d in enumerate(layout, start=1)]
    metabase.put(f"/api/dashboard/{dashboard_id}", {**body, "dashcards": dashcards})
    return Outcome(action, "dashboard", dashboard.name)


def _visualization(card: Card) -> dict:
    if card.display == "pivot":
        return {"table.pivot": True, "table.pivot_column": card.x, "table.cell_column": card.y[0]}
    if card.display in ("line", "area", "bar", "stacked_bar"):
        settings = {"graph.dimensions": [card.x, *([card.series] if card.series else [])],
                    "graph.metrics": list(card.y)}
        return settings | ({"stackable.stack_type": "stacked"} if card.display == "stacked_bar" else {})
    return {}


def _described(description: str, key: str, version: str) -> str:
    marker = f"Provisioned from dashboards/{key} (version {version}); edit the file, not this copy."
    return f"{description}\n\n{marker}" if description else marker


def _version(payload: dict, description: str) -> str:
    text = json.dumps([payload, description], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _fields(metabase: Metabase, database_id: int) -> dict[str, int]:
    metadata = metabase.get(f"/api/database/{database_id}/metadata")
    return {f"{t['schema']}.{t['name']}.{f['name']}": f["id"]
            for t in metadata.get("tables", []) for f in t.get("fields", [])}


def _synced(fields: dict[str, int], tables: set[str]) -> bool:
    return all(any(f.startswith(table + ".") for f in fields) for table in tables)


def _data(answer: dict | list) -> list:
    """List endpoints answer a list or, paginated, {"data": [...]}."""
    return answer["data"] if isinstance(answer, dict) else answer
