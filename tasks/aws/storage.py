"""Where an AWS export's files live: an S3 (or S3-compatible) bucket, or a local folder.

Both are fsspec filesystems, so discovery and download are one code path. S3 access uses the
standard AWS credential chain only (environment, shared profile, SSO, instance/task role).
"""

from __future__ import annotations

import shutil
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import fsspec
from fsspec.implementations.local import LocalFileSystem

from openfinops.config import AwsExport
from tasks.errors import AccessError, DataFileError


def export_filesystem(export: AwsExport) -> tuple[fsspec.AbstractFileSystem, str]:
    """Return the filesystem holding the export and the root path standing for `<bucket>/<prefix>`."""
    if export.path:
        return LocalFileSystem(), str(Path(export.path).expanduser().resolve())
    import s3fs

    client_kwargs = {k: v for k, v in (("region_name", export.region), ("endpoint_url", export.endpoint_url)) if v}
    # No listing cache: AWS rewrites manifests in place and a long-lived worker must see that.
    fs = s3fs.S3FileSystem(client_kwargs=client_kwargs, use_listings_cache=False, skip_instance_cache=True)
    return fs, f"{export.bucket}/{export.prefix.strip('/')}".rstrip("/")


def is_local(fs: fsspec.AbstractFileSystem) -> bool:
    return isinstance(fs, LocalFileSystem)


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


@contextmanager
def local_copy(fs: fsspec.AbstractFileSystem, path: str, scratch: Path) -> Iterator[Path]:
    """A local file DuckDB can read: the file itself, a download, or the CSV inside a ZIP."""
    scratch.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    try:
        if is_local(fs):
            local = Path(path)
        else:
            local = scratch / Path(path).name
            with access_errors(path):
                fs.get_file(path, str(local))
            made.append(local)
        if local.name.endswith(".zip"):
            local = _unzip_single(local, scratch, display=path)
            made.append(local)
        yield local
    finally:
        for file in made:
            file.unlink(missing_ok=True)


def _unzip_single(archive: Path, scratch: Path, display: str) -> Path:
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if len(members) != 1:
                raise DataFileError(f"{display}: expected one CSV in the ZIP, found {len(members)} files")
            target = scratch / Path(members[0].filename).name
            with zf.open(members[0]) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, length=1 << 20)
            return target
    except zipfile.BadZipFile as exc:
        raise DataFileError(f"{display}: not a valid ZIP file ({exc})") from None
