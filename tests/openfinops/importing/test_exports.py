"""What the import machine needs from any provider's export (openfinops.importing.exports): the fingerprint
that tells a restated or rewritten period from an unchanged one."""

from __future__ import annotations

import pytest

from openfinops.importing.exports import DataFile, fingerprint

FILES = (DataFile("p/part-0.csv", "/local/p/part-0.csv", 100, "etag-0"),
         DataFile("p/part-1.csv", "/local/p/part-1.csv", 200, None))


def test_fingerprint_is_stable():
    assert fingerprint("exec-1", FILES) == fingerprint("exec-1", tuple(FILES))
    assert fingerprint("exec-1", FILES) == fingerprint("exec-1", FILES[::-1])  # listing order does not matter
    assert len(fingerprint("exec-1", FILES)) == 64


@pytest.mark.parametrize("manifest_id, files", [
    ("exec-2", FILES),  # a restatement
    ("exec-1", (DataFile("p/part-0.csv", "/local/p/part-0.csv", 101, "etag-0"), FILES[1])),  # size
    ("exec-1", (DataFile("p/part-0.csv", "/local/p/part-0.csv", 100, "etag-9"), FILES[1])),  # rewritten in place
    ("exec-1", (DataFile("p/part-9.csv", "/local/p/part-0.csv", 100, "etag-0"), FILES[1])),  # another file
    ("exec-1", FILES[:1]),  # a file less
    ("exec-1", ()),
])
def test_fingerprint_changes_with_the_delivery(manifest_id, files):
    assert fingerprint(manifest_id, files) != fingerprint("exec-1", FILES)


def test_fingerprint_ignores_where_the_files_are_read_from():
    moved = tuple(DataFile(f.key, "/elsewhere/" + f.key, f.size, f.etag) for f in FILES)
    assert fingerprint("exec-1", moved) == fingerprint("exec-1", FILES)
