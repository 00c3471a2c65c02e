"""Local files DuckDB can read (openfinops.importing.files): the file itself, or a download or the CSV in a ZIP,
in a folder the caller deletes."""

from __future__ import annotations

import zipfile
from contextlib import contextmanager

import fsspec
import pytest
from fsspec.implementations.local import LocalFileSystem

from openfinops.errors import AccessError, DataFileError
from openfinops.importing.files import is_local, local_copy


def _zip(path, members: dict[str, str]):
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return path


@pytest.fixture
def memory_fs():
    """A remote filesystem stand-in: files there must be downloaded first."""
    fs = fsspec.filesystem("memory", skip_instance_cache=True)
    fs.store.clear()
    yield fs
    fs.store.clear()


def test_a_local_file_is_read_where_it_is(tmp_path):
    data = tmp_path / "export" / "part-0.csv.gz"
    data.parent.mkdir()
    data.write_bytes(b"not read")
    folder = tmp_path / "scratch" / "0"

    assert local_copy(LocalFileSystem(), str(data), folder) == data
    assert list(folder.iterdir()) == []


def test_the_csv_in_a_zip_is_extracted_into_the_folder(tmp_path):
    archive = _zip(tmp_path / "cur-00001.csv.zip", {"cur-00001.csv": "a,b\n1,2\n"})
    folder = tmp_path / "scratch" / "0"

    local = local_copy(LocalFileSystem(), str(archive), folder)

    assert local == folder / "cur-00001.csv"
    assert local.read_text() == "a,b\n1,2\n"
    assert archive.exists()


def test_a_zip_holding_two_files_is_a_data_file_error(tmp_path):
    archive = _zip(tmp_path / "cur.zip", {"a.csv": "x\n", "b.csv": "y\n"})

    with pytest.raises(DataFileError, match=r"cur\.zip: expected one CSV in the ZIP, found 2 files$"):
        local_copy(LocalFileSystem(), str(archive), tmp_path / "scratch")


def test_a_zip_with_a_folder_entry_counts_only_files(tmp_path):
    archive = _zip(tmp_path / "cur.zip", {"report/": "", "report/cur.csv": "a\n1\n"})

    assert local_copy(LocalFileSystem(), str(archive), tmp_path / "scratch").read_text() == "a\n1\n"


def test_a_damaged_zip_is_a_data_file_error(tmp_path):
    archive = tmp_path / "cur.zip"
    archive.write_bytes(b"PK\x03\x04 truncated")

    with pytest.raises(DataFileError, match=r"cur\.zip: not a valid ZIP file"):
        local_copy(LocalFileSystem(), str(archive), tmp_path / "scratch")


def test_a_remote_file_is_downloaded_into_the_folder(tmp_path, memory_fs):
    memory_fs.pipe("/bucket/cur/part-0.csv", b"a,b\n1,2\n")
    folder = tmp_path / "scratch" / "0"

    local = local_copy(memory_fs, "/bucket/cur/part-0.csv", folder)

    assert local == folder / "part-0.csv"
    assert local.read_bytes() == b"a,b\n1,2\n"


def test_a_remote_zip_is_downloaded_and_extracted_into_the_folder(tmp_path, memory_fs):
    _zip(tmp_path / "cur.zip", {"cur.csv": "a\n1\n"})
    memory_fs.pipe("/bucket/cur.zip", (tmp_path / "cur.zip").read_bytes())
    folder = tmp_path / "scratch" / "0"

    local = local_copy(memory_fs, "/bucket/cur.zip", folder)

    assert local.read_text() == "a\n1\n"
    assert sorted(p.name for p in folder.iterdir()) == ["cur.csv", "cur.zip"]  # the caller deletes the folder


def test_download_errors_go_through_the_providers_wrapper(tmp_path, memory_fs):
    wrapped = []

    @contextmanager
    def access_errors(path):
        wrapped.append(path)
        try:
            yield
        except FileNotFoundError:
            raise AccessError(f"{path}: access denied") from None

    with pytest.raises(AccessError, match="^/bucket/missing.csv: access denied$"):
        local_copy(memory_fs, "/bucket/missing.csv", tmp_path / "scratch", access_errors)
    assert wrapped == ["/bucket/missing.csv"]


def test_is_local(memory_fs):
    assert is_local(LocalFileSystem())
    assert not is_local(memory_fs)
