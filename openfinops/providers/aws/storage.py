"""Where an AWS export's files live: an S3 (or S3-compatible) bucket, or a local folder.

Both are fsspec filesystems, so discovery and download are one code path. S3 access uses the
standard AWS credential chain, or the export's prefect-aws credentials block (`credentials`).
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import fsspec
from fsspec.implementations.local import LocalFileSystem

from openfinops.errors import AccessError

from .credentials import s3fs_credentials

if TYPE_CHECKING:
    from .config import AwsExport


def export_filesystem(export: AwsExport) -> tuple[fsspec.AbstractFileSystem, str]:
    """Return the filesystem holding the export and the root path standing for `<bucket>/<prefix>`."""
    if export.path:
        return LocalFileSystem(), str(Path(export.path).expanduser().resolve())
    import s3fs

    client_kwargs = {k: v for k, v in (("region_name", export.region), ("endpoint_url", export.endpoint_url)) if v}
    # No listing cache: AWS rewrites manifests in place and a long-lived worker must see that.
    fs = s3fs.S3FileSystem(client_kwargs=client_kwargs, use_listings_cache=False, skip_instance_cache=True,
                           **s3fs_credentials(export.credentials_block))
    return fs, f"{export.bucket}/{export.prefix.strip('/')}".rstrip("/")


@contextmanager
def access_errors(location: str) -> Iterator[None]:
    """Turn the SDK's permission errors into one clear message naming the location."""
    try:
        yield
    except PermissionError as exc:
        raise AccessError(
            f"{location}: access denied ({exc}). Check the AWS credentials (environment, profile or role) "
            "and that they may list and read this bucket."
        ) from None
