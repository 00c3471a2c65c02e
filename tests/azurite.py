"""Azurite, the Azure Storage emulator (`npm install -g azurite`), as the tests run it: its blob
service on 127.0.0.1, in memory, with the documented development account."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

# https://learn.microsoft.com/azure/storage/common/storage-use-azurite
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def azurite_connection_string(port: int, key: str = AZURITE_KEY) -> str:
    return (f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={key};"
            f"BlobEndpoint=http://127.0.0.1:{port}/{AZURITE_ACCOUNT};")


@contextmanager
def running_azurite(workspace: Path, port: int) -> Iterator[int]:
    """Azurite's blob service on `port` until the block ends. Skips the test without Azurite, unless
    OPEN_FINOPS_REQUIRE_AZURITE is set (CI), which makes its absence a failure."""
    binary = shutil.which("azurite-blob")
    if binary is None:
        if os.environ.get("OPEN_FINOPS_REQUIRE_AZURITE"):
            pytest.fail("azurite-blob is not installed (npm install -g azurite) and OPEN_FINOPS_REQUIRE_AZURITE is set")
        pytest.skip("azurite-blob is not installed (npm install -g azurite)")
    with open(workspace / "azurite.log", "w") as log:
        proc = subprocess.Popen([binary, "--silent", "--inMemoryPersistence", "--disableTelemetry", "--blobHost",
                                 "127.0.0.1", "--blobPort", str(port), "--skipApiVersionCheck"],
                                cwd=workspace, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.time() > deadline:
                        pytest.fail(f"Azurite did not start: {(workspace / 'azurite.log').read_text()}")
                    time.sleep(0.2)
            yield port
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def upload(port: int, container: str, files: dict[str, bytes]) -> None:
    """Put `files` (blob name -> content) into `container`, creating it if needed."""
    from azure.storage.blob import BlobServiceClient

    client = BlobServiceClient.from_connection_string(azurite_connection_string(port)).get_container_client(container)
    if not client.exists():
        client.create_container()
    for name, data in files.items():
        client.upload_blob(name, data, overwrite=True)
