"""A fake Metabase on 127.0.0.1 (a real socket, a thread per request), after dbt-metabase's test server:
it records every call, checks each request body against Metabase's own OpenAPI schemas
(tests/fixtures/metabase/openapi-*.json) and keeps just enough state (users, sessions, groups, API keys,
databases, collections, cards, dashboards) to answer the way Metabase v0.63 does."""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import os
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
from prefect.blocks.system import Secret

from openfinops.dashboards.metabase import API_KEY_BLOCK

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "metabase"
OPENAPI = FIXTURES / "openapi-master-001e7ea.json"
PASSWORD = "Sup3r-secret-pa55word!"
EMAIL = "admin@example.com"


def load_openapi() -> dict:
    """The extract, with Malli's `:or` read as it is meant: the generator writes it as `oneOf`, which
    JSON Schema reads as "exactly one", so an `[:or :any ...]` (parameter targets) would match none."""
    text = OPENAPI.read_text().replace('"oneOf"', '"anyOf"')
    return json.loads(text)


class Conformance:
    """Request bodies against the extracted schemas; every problem kept as one line."""

    def __init__(self):
        self.document = load_openapi()
        self.routes = [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path.rstrip("/")) + "/?$"), path)
                       for path in self.document["paths"]]
        self.violations: list[str] = []

    def check(self, method: str, path: str, body) -> str | None:
        template = next((t for pattern, t in self.routes if pattern.match(path)), None)
        operation = self.document["paths"].get(template, {}).get(method.lower())
        if operation is None:
            return self._violation(f"{method} {path}: not an endpoint of the extract")
        schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            return None if body is None else self._violation(f"{method} {path}: takes no body")
        validator = jsonschema.Draft202012Validator({**schema, "components": self.document["components"]})
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]
        return self._violation(f"{method} {path}: {'; '.join(errors)}") if errors else None

    def _violation(self, text: str) -> str:
        self.violations.append(text)
        return text


class FakeMetabase:
    def __init__(self):
        self.lock = threading.Lock()
        self.conformance = Conformance()
        self.calls: list[tuple[str, str, object]] = []
        self.properties = json.loads((FIXTURES / "responses" / "session-properties.json").read_text())
        self.metadata = json.loads((FIXTURES / "responses" / "database-metadata.json").read_text())
        self.users: dict[str, str] = {}
        self.sessions: set[str] = set()
        self.groups = [{"id": 1, "name": "All Users", "member_count": 1, "magic_group_type": "all-internal-users"},
                       {"id": 2, "name": "Administrators", "member_count": 1, "magic_group_type": "admin"}]
        self.key_records: dict[int, dict] = {}  # as GET /api/api-key/ lists them
        self.api_keys: dict[str, int] = {}  # the keys Metabase accepts, each with its record's id
        self.objects: dict[str, dict[int, dict]] = {"database": {}, "collection": {}, "card": {}, "dashboard": {}}
        self.synced: set[int] = set()
        self.next_id = 1

    # state helpers for the tests

    def set_up_already(self, email: str = EMAIL, password: str = PASSWORD) -> None:
        self.users[email] = password
        self.properties["has-user-setup"] = True

    def issue_key(self, name: str, group_id: int = 2) -> tuple[int, str]:
        """A new API key record in the group, or a new key for the record of that name; (record id, key)."""
        record = next((r for r in self.key_records.values() if r["name"] == name), None)
        if record is None:
            group = next(g for g in self.groups if g["id"] == group_id)
            record = {"id": self._id(), "name": name, "group": {"id": group["id"], "name": group["name"]}}
            self.key_records[record["id"]] = record
        self.revoke(record["id"])
        key = "mb_" + base64.b64encode(os.urandom(32)).decode()
        record["masked_key"] = key[:7] + "*" * (len(key) - 7)
        self.api_keys[key] = record["id"]
        return record["id"], key

    def revoke(self, record_id: int) -> None:
        """Metabase no longer accepts the record's key (regenerated or deleted in its UI)."""
        self.api_keys = {k: i for k, i in self.api_keys.items() if i != record_id}

    def writes(self) -> list[tuple[str, str, object]]:
        """Calls that change something in Metabase (a login does not)."""
        return [c for c in self.calls if c[0] in ("POST", "PUT") and c[1].rstrip("/") != "/api/session"]

    def live(self, kind: str) -> list[dict]:
        return [o for o in self.objects[kind].values() if not o.get("archived")]

    # the API

    def handle(self, method: str, path: str, query: dict, body, headers) -> tuple[int, object]:
        with self.lock:
            self.calls.append((method, path, body))
            problem = self.conformance.check(method, path, body)
            if problem:
                return 400, {"message": problem}
            route = path.rstrip("/")
            if route == "/api/session/properties":
                return 200, self.properties
            if route == "/api/setup" and method == "POST":
                return self._setup(body)
            if route == "/api/session" and method == "POST":
                if self.users.get(body["username"]) != body["password"]:
                    return 401, {"errors": {"password": "did not match stored password"}}
                return 200, {"id": self._session()}
            if headers.get("X-Metabase-Session") not in self.sessions and headers.get("x-api-key") not in self.api_keys:
                return 401, "Unauthenticated"
            return self._authenticated(method, route, query, body)

    def _setup(self, body) -> tuple[int, object]:
        if self.properties["has-user-setup"] or body["token"] != self.properties["setup-token"]:
            return 403, {"errors": {"token": "Token does not match the setup token."}}
        self.users[body["user"]["email"]] = body["user"]["password"]
        self.properties["has-user-setup"] = True
        return 200, {"id": self._session()}

    def _authenticated(self, method, route, query, body) -> tuple[int, object]:
        parts = route.split("/")[2:]  # ["card", "12"], ...
        kind = parts[0]
        if route == "/api/permissions/group" and method == "GET":
            return 200, self.groups
        if kind == "api-key":
            return self._api_key(method, parts[1:], body)
        if route == "/api/database" and method == "GET":
            return 200, {"data": list(self.objects["database"].values()), "total": len(self.objects["database"])}
        if route == "/api/collection" and method == "GET":
            return 200, list(self.objects["collection"].values())
        if len(parts) == 1 and method == "POST":
            return 200, self._create(kind, body)
        object_id = int(parts[1])
        found = self.objects.get(kind, {}).get(object_id)
        if found is None:
            return 404, "Not found."
        if kind == "database" and parts[2:] == ["sync_schema"]:
            self.synced.add(object_id)
            return 200, {"status": "ok"}
        if kind == "database" and parts[2:] == ["metadata"]:
            return 200, self._metadata(object_id)
        if kind == "collection" and parts[2:] == ["items"]:
            return 200, self._items(object_id, query.get("models", []))
        if method == "GET":
            return 200, found
        if kind == "dashboard" and "dashcards" in body:
            body = {**body, "dashcards": self._dashcards(found, body["dashcards"])}
        found.update(copy.deepcopy(body))
        return 200, found

    def _api_key(self, method, parts, body) -> tuple[int, object]:
        """The key itself only in the answer that makes it, as Metabase shows it once."""
        if method == "GET":
            return 200, list(self.key_records.values())
        if method == "POST":
            if any(r["name"] == body["name"] for r in self.key_records.values()):
                return 400, {"errors": {"name": "An API key with this name already exists."}}
            record_id, key = self.issue_key(body["name"], body["group_id"])
        else:  # PUT /api/api-key/{id}/regenerate
            if int(parts[0]) not in self.key_records:
                return 404, "Not found."
            record_id, key = self.issue_key(self.key_records[int(parts[0])]["name"])
        return 200, {**self.key_records[record_id], "unmasked_key": key}

    def _create(self, kind: str, body) -> dict:
        created = {**copy.deepcopy(body), "id": self._id(), "archived": False, "entity_id": uuid.uuid4().hex[:21]}
        if kind == "collection":
            created |= {"location": "/", "personal_owner_id": None}
        if kind == "dashboard":
            created |= {"dashcards": [], "parameters": body.get("parameters") or []}
        self.objects[kind][created["id"]] = created
        return created

    def _dashcards(self, dashboard: dict, sent: list[dict]) -> list[dict]:
        current = {d["id"] for d in dashboard["dashcards"]}
        assert all(d["id"] < 0 or d["id"] in current for d in sent), "dashcard ids are existing or negative"
        return [{**d, "id": d["id"] if d["id"] > 0 else self._id(), "dashboard_id": dashboard["id"]} for d in sent]

    def _metadata(self, database_id: int) -> dict:
        if database_id not in self.synced:
            return {**self.metadata, "id": database_id, "tables": []}
        tables = [{**t, "id": 1000 + n, "db_id": database_id,
                   "fields": [{"id": 10000 + 100 * n + m, "name": name, "table_id": 1000 + n, "base_type": "type/Text"}
                              for m, name in enumerate(t["fields"])]}
                  for n, t in enumerate(self.metadata["tables"])]
        return {**self.metadata, "id": database_id, "tables": tables}

    def _items(self, collection_id: int, models: list[str]) -> dict:
        data = [{"id": o["id"], "model": kind, "name": o["name"], "description": o.get("description"),
                 "display": o.get("display"), "entity_id": o["entity_id"], "collection_position": None}
                for kind in ("card", "dashboard") if kind in models
                for o in self.live(kind) if o.get("collection_id") == collection_id]
        return {"total": len(data), "data": data, "models": models, "limit": None, "offset": None}

    def _session(self) -> str:
        session = str(uuid.uuid4())
        self.sessions.add(session)
        return session

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id


class _Handler(BaseHTTPRequestHandler):
    fake: FakeMetabase

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        status, answer = self.fake.handle(method, url.path, parse_qs(url.query), body, self.headers)
        payload = (answer if isinstance(answer, str) else json.dumps(answer)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain" if isinstance(answer, str) else "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_PUT(self):
        self._serve("PUT")

    def log_message(self, *args):  # quiet: the calls are recorded
        pass


@pytest.fixture
def fake_metabase():
    """A fresh, never set-up Metabase; `.url` is its address."""
    fake = FakeMetabase()
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def no_stored_api_key():
    """No Secret block metabase-api-key before or after the test: the Prefect test server lasts the session."""
    def delete() -> None:
        with contextlib.suppress(ValueError):  # Prefect's answer when there is none
            Secret.delete(API_KEY_BLOCK)

    delete()
    yield
    delete()


@pytest.fixture
def admin_env(monkeypatch):
    monkeypatch.delenv("METABASE_API_KEY", raising=False)
    monkeypatch.delenv("METABASE_URL", raising=False)
    monkeypatch.setenv("METABASE_ADMIN_EMAIL", EMAIL)
    monkeypatch.setenv("METABASE_ADMIN_PASSWORD", PASSWORD)
