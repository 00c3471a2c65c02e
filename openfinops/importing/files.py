"""Local files DuckDB can read, from wherever an export's files live (any fsspec filesystem)."""

from __future__ import annotations

import shutil
import zipfile
from contextlib import nullcontext
from pathlib import Path
from typing import Callable, ContextManager

import fsspec
from fsspec.implementations.local import LocalFileSystem

from openfinops.errors import DataFileError


def is_local(fs: fsspec.AbstractFileSystem) -> bool:
    return isinstance(fs, LocalFileSystem)


def local_copy(fs: fsspec.AbstractFileSystem, path: str, folder: Path,
               access_errors: Callable[[str], ContextManager[None]] | None = None) -> Path:
    """A local file DuckDB can read: the file itself, or what this writes into `folder`: a download,
    the CSV inside a ZIP. The caller deletes `folder` once DuckDB is done with the file.

    `access_errors(path)` wraps the download, to turn the provider SDK's errors into clear ones."""
    folder.mkdir(parents=True, exist_ok=True)
    if is_local(fs):
        local = Path(path)
    else:
        local = folder / Path(path).name
        with access_errors(path) if access_errors else nullcontext():
            fs.get_file(path, str(local))
    if local.name.endswith(".zip"):
        local = _unzip_single(local, folder, display=path)
    return local


def _unzip_single(archive: Path, folder: Path, display: str) -> Path:
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if len(members) != 1:
                raise DataFileError(f"{display}: expected one CSV in the ZIP, found {len(members)} files")
            target = folder / Path(members[0].filename).name
            with zf.open(members[0]) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, length=1 << 20)
            return target
    except zipfile.BadZipFile as exc:
        raise DataFileError(f"{display}: not a valid ZIP file ({exc})") from None
