"""Local files DuckDB can read (openfinops.importing.files): the file itself, a download, or the CSV in a ZIP."""

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
    scratch = tmp_path / "scratch"

    with local_copy(LocalFileSystem(), str(data), scratch) as local:
        assert local == data
        assert list(scratch.iterdir()) == []

    assert data.exists()  # never deleted: it is the export itself


def test_the_csv_in_a_zip_is_extracted_and_removed_after(tmp_path):
    archive = _zip(tmp_path / "cur-00001.csv.zip", {"cur-00001.csv": "a,b\n1,2\n"})
    scratch = tmp_path / "scratch"

    with local_copy(LocalFileSystem(), str(archive), scratch) as local:
        assert local == scratch / "cur-00001.csv"
        assert local.read_text() == "a,b\n1,2\n"

    assert not local.exists()
    assert archive.exists()


def test_a_zip_holding_two_files_is_a_data_file_error(tmp_path):
    archive = _zip(tmp_path / "cur.zip", {"a.csv": "x\n", "b.csv": "y\n"})

    with pytest.raises(DataFileError, match=r"cur\.zip: expected one CSV in the ZIP, found 2 files$"):
        with local_copy(LocalFileSystem(), str(archive), tmp_path / "scratch"):
            pass


def test_a_zip_with_a_folder_entry_counts_only_files(tmp_path):
    archive = _zip(tmp_path / "cur.zip", {"report/": "", "report/cur.csv": "a\n1\n"})

    with local_copy(LocalFileSystem(), str(archive), tmp_path / "scratch") as local:
        assert local.read_text() == "a\n1\n"


def test_a_damaged_zip_is_a_data_file_error(tmp_path):
    archive = tmp_path / "cur.zip"
    archive.write_bytes(b"PK\x03\x04 truncated")

    with pytest.raises(DataFileError, match=r"cur\.zip: not a valid ZIP file"):
        with local_copy(LocalFileSystem(), str(archive), tmp_path / "scratch"):
            pass


def test_a_remote_file_is_downloaded_into_scratch_and_removed_after(tmp_path, memory_fs):
    memory_fs.pipe("/bucket/cur/part-0.csv", b"a,b\n1,2\n")
    scratch = tmp_path / "scratch"

    with local_copy(memory_fs, "/bucket/cur/part-0.csv", scratch) as local:
        assert local == scratch / "part-0.csv"
        assert local.read_bytes() == b"a,b\n1,2\n"

    assert list(scratch.iterdir()) == []


def test_a_remote_zip_leaves_nothing_behind(tmp_path, memory_fs):
    _zip(tmp_path / "cur.zip", {"cur.csv": "a\n1\n"})
    memory_fs.pipe("/bucket/cur.zip", (tmp_path / "cur.zip").read_bytes())
    scratch = tmp_path / "scratch"

    with local_copy(memory_fs, "/bucket/cur.zip", scratch) as local:
        assert local.read_text() == "a\n1\n"

    assert list(scratch.iterdir()) == []


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
        with local_copy(memory_fs, "/bucket/missing.csv", tmp_path / "scratch", access_errors):
            pass
    assert wrapped == ["/bucket/missing.csv"]


def test_is_local(memory_fs):
    assert is_local(LocalFileSystem())
    assert not is_local(memory_fs)
