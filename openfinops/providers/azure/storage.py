"""Where an Azure export's files live: a blob container (adlfs) or a local folder.

Both are fsspec filesystems, so discovery and download are one code path. A container is reached
with, first found: the export's connection string or SAS token, AZURE_STORAGE_CONNECTION_STRING,
AZURE_STORAGE_SAS_TOKEN, else the standard Azure credential chain (DefaultAzureCredential). None
of these ever reaches a message: errors name the location and the kind of refusal only.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator
from urllib.parse import urlsplit

import fsspec
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from fsspec.implementations.local import LocalFileSystem

from openfinops.config import ConfigError
from openfinops.errors import AccessError

if TYPE_CHECKING:
    from .config import AzureExport

CONNECTION_STRING_VARIABLE = "AZURE_STORAGE_CONNECTION_STRING"
SAS_TOKEN_VARIABLE = "AZURE_STORAGE_SAS_TOKEN"
IP_ADDRESS = re.compile(r"^[\d.]+$|^\[?[0-9a-fA-F:]+\]?$")


@dataclass(frozen=True)
class BlobLocation:
    """A container URL taken apart."""

    account_name: str
    account_url: str  # https://<account>.blob.core.windows.net, or http://127.0.0.1:10000/<account>
    container: str
    folder: str  # the root folder inside the container ('' for its root)


def blob_location(container_url: str) -> BlobLocation:
    """`https://<account>.blob.<suffix>/<container>[/<folder>]`, or a path-style URL (Azurite, IP
    endpoints): `http://<host>[:port]/<account>/<container>[/<folder>]`."""
    url = urlsplit(container_url)
    host = url.hostname or ""
    parts = [p for p in url.path.split("/") if p]
    netloc = url.netloc.rsplit("@", 1)[-1]
    if ".blob." in host and not IP_ADDRESS.match(host):
        account, account_url = host.split(".", 1)[0], f"{url.scheme}://{netloc}"
    elif len(parts) >= 2:  # path style: the account is the first path segment
        account, account_url = parts[0], f"{url.scheme}://{netloc}/{parts[0]}"
        parts = parts[1:]
    else:
        raise ConfigError(f"container_url {container_url!r} names no container: expected "
                          "https://<account>.blob.core.windows.net/<container>[/<root folder>]")
    if not parts:
        raise ConfigError(f"container_url {container_url!r} names no container")
    return BlobLocation(account, account_url, parts[0], "/".join(parts[1:]))


def export_filesystem(export: AzureExport) -> tuple[fsspec.AbstractFileSystem, str]:
    """The filesystem holding the export, and the root path standing for `<container>/<root folder>`."""
    if export.path:
        return LocalFileSystem(), str(Path(export.path).expanduser().resolve())
    import adlfs

    location = blob_location(str(export.container_url))
    try:
        # No listing cache: Azure writes new runs while a long-lived worker keeps its filesystem.
        fs = adlfs.AzureBlobFileSystem(skip_instance_cache=True, use_listings_cache=False,
                                       **_credentials(export, location))
    except ValueError:
        # adlfs's message may quote what it was given: not repeated here.
        raise AccessError(f"{export.location}: cannot connect to the storage account {location.account_name!r} "
                          "(is the connection string or SAS token well-formed?)") from None
    return fs, f"{location.container}/{location.folder}".rstrip("/")


def _credentials(export: AzureExport, location: BlobLocation) -> dict:
    """adlfs's keyword arguments: a connection string (a SAS token becomes one), or the account for
    the credential chain."""
    connection_string = export.connection_string
    sas_token = export.sas_token
    if not (connection_string or sas_token):
        connection_string = os.environ.get(CONNECTION_STRING_VARIABLE, "").strip() or None
        sas_token = os.environ.get(SAS_TOKEN_VARIABLE, "").strip() or None
    if connection_string:
        return {"connection_string": connection_string}
    if sas_token:
        # As a connection string, so that http (Azurite) and path-style endpoints work too.
        return {"connection_string": f"BlobEndpoint={location.account_url};"
                                     f"SharedAccessSignature={sas_token.lstrip('?')}"}
    account_host = location.account_url.split("://", 1)[1]
    return {"account_name": location.account_name, "account_host": account_host, "anon": False}


@contextmanager
def access_errors(location: str) -> Iterator[None]:
    """Turn the SDK's refusals into one clear line naming the location (never a secret)."""
    try:
        yield
    except PermissionError:
        raise AccessError(f"{location}: access denied. {_HINT}") from None
    except ClientAuthenticationError as exc:
        # Also DefaultAzureCredential finding no credential (CredentialUnavailableError).
        raise AccessError(f"{location}: access denied ({_reason(exc)}). {_HINT}") from None
    except HttpResponseError as exc:
        if exc.status_code in (401, 403):
            raise AccessError(f"{location}: access denied ({_reason(exc)}). {_HINT}") from None
        raise


_HINT = ("Check the connection string or SAS token (config, AZURE_STORAGE_CONNECTION_STRING or "
         "AZURE_STORAGE_SAS_TOKEN) or the Azure login, and that it may list and read this container.")


def _reason(exc: HttpResponseError) -> str:
    """HTTP status and Azure's error code: never the SDK's message, which may quote the request."""
    code = getattr(exc, "error_code", None)
    code = getattr(code, "value", code)  # StorageErrorCode.AUTHORIZATION_FAILURE -> AuthorizationFailure
    status = getattr(exc, "status_code", None)
    if status is None and code is None:
        return "no usable Azure credentials" if "credential" in type(exc).__name__.lower() else type(exc).__name__
    return " ".join(str(part) for part in (status, code) if part)
