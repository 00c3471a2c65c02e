"""A small client for Metabase's REST API: JSON in and out, one-line errors, no secret in any message.

Authentication is an API key (`x-api-key` header) or a session from `POST /api/session`
(`X-Metabase-Session` header). Errors name the request and Metabase's own message.

The API key that provisioning issues is kept in a Prefect Secret block: Metabase shows a key only
once, and Prefect stores block values encrypted and masks them in its UI.
"""

from __future__ import annotations

import os
from typing import Any

import httpx

DEFAULT_URL = "http://127.0.0.1:3000"
API_KEY_BLOCK = "metabase-api-key"


class MetabaseError(Exception):
    """A request failed: the message names the endpoint and what Metabase said."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status

    @property
    def transient(self) -> bool:
        """Unreachable, or a server error (Metabase starting up): worth retrying. A 4xx is not."""
        return self.status is None or self.status >= 500


class Metabase:
    def __init__(self, url: str, api_key: str | None = None, timeout: float = 60):
        self.url = url.rstrip("/")
        headers = {"x-api-key": api_key} if api_key else {}
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def login(self, email: str, password: str) -> None:
        session = self.post("/api/session", {"username": email, "password": password})
        self.use_session(session["id"])

    def use_session(self, session_id: str) -> None:
        self._http.headers["X-Metabase-Session"] = session_id

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: dict | None = None) -> Any:
        return self.request("POST", path, body)

    def put(self, path: str, body: dict | None = None) -> Any:
        return self.request("PUT", path, body)

    def request(self, method: str, path: str, body: dict | None = None, params: dict | None = None) -> Any:
        try:
            response = self._http.request(method, path, json=body, params=params)
        except httpx.HTTPError as exc:
            raise MetabaseError(f"{method} {path}: cannot reach Metabase at {self.url} ({exc})") from None
        if response.status_code >= 400:
            raise MetabaseError(f"{method} {path}: HTTP {response.status_code}: {_message(response)}",
                                response.status_code)
        return response.json() if response.content else None

    def __enter__(self) -> Metabase:
        return self

    def __exit__(self, *exc_info) -> None:
        self._http.close()


def metabase_url(url: str | None = None) -> str:
    """The flag, else METABASE_URL, else Metabase on this machine."""
    return url or os.environ.get("METABASE_URL") or DEFAULT_URL


def connect(url: str) -> Metabase:
    """A client signed in with METABASE_API_KEY, else with the stored key (the flow's ensure-api-key step has
    just checked it), else as METABASE_ADMIN_EMAIL / METABASE_ADMIN_PASSWORD."""
    api_key = os.environ.get("METABASE_API_KEY") or stored_api_key()
    if api_key:
        return Metabase(url, api_key=api_key)
    return sign_in(url)


def sign_in(url: str) -> Metabase:
    """A client signed in as METABASE_ADMIN_EMAIL / METABASE_ADMIN_PASSWORD."""
    email, password = admin_credentials()
    metabase = Metabase(url)
    metabase.login(email, password)
    return metabase


def stored_api_key() -> str | None:
    """The key in the Secret block metabase-api-key, if there is one."""
    from prefect.blocks.system import Secret  # here: the CLI imports this module, and Prefect takes ~0.7 s

    try:
        return Secret.load(API_KEY_BLOCK).get()
    except ValueError:  # Prefect's answer for a block that does not exist
        return None


def store_api_key(api_key: str) -> None:
    from prefect.blocks.system import Secret

    Secret(value=api_key).save(API_KEY_BLOCK, overwrite=True)


def admin_credentials() -> tuple[str, str]:
    email, password = os.environ.get("METABASE_ADMIN_EMAIL"), os.environ.get("METABASE_ADMIN_PASSWORD")
    if not email or not password:
        raise MetabaseError("set METABASE_ADMIN_EMAIL and METABASE_ADMIN_PASSWORD (or METABASE_API_KEY)", 400)
    return email, password


def _message(response: httpx.Response) -> str:
    """Metabase answers errors as {"message": ...}, {"errors": {field: message}} or plain text."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason_phrase
    if isinstance(body, dict):
        if body.get("message"):
            return str(body["message"])
        if isinstance(body.get("errors"), dict):
            return "; ".join(f"{field}: {text}" for field, text in body["errors"].items())
    return str(body)[:300]
