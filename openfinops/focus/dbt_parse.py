"""dbt's parse of the project, stored once and reused by the first build of every data dir.

dbt parses the project (9 s on 2 cores) unless the target folder holds a parse it can trust
(`partial_parse.msgpack`); it then re-parses only the files that changed. That parse does not
depend on the data dir, but dbt rejects it when the profile differs, and each data dir's profile
names its own database file. So a build copies the project's stored parse into a new target folder
with the hash of its own profile, and stores its parse back when it made a newer one. dbt still
checks everything else (its version, the vars, every file's checksum) and parses again when they
differ: a stale or foreign parse costs a parse, never a wrong build.
"""

from __future__ import annotations

import os
import pprint
import tempfile
from pathlib import Path

import msgpack
import yaml

PARSE_FILE = "partial_parse.msgpack"


def start_from_stored_parse(stored: Path, target: Path, profiles_dir: Path, profile: str) -> bool:
    """Copy the `stored` parse file into the `target` folder unless it has one, made valid for the
    `profile` of `profiles_dir`. Returns whether it did."""
    if (target / PARSE_FILE).exists() or not stored.exists():
        return False
    try:
        parse = msgpack.unpackb(stored.read_bytes(), strict_map_key=False, timestamp=0)
        parse["state_check"]["profile_hash"] = _profile_hash(profiles_dir, profile)
    except Exception:  # unreadable, not dbt's, or a dbt whose internals moved: dbt parses, as before
        return False
    copy = target / PARSE_FILE
    _write_atomically(copy, msgpack.packb(parse))
    # As old as the stored one, so that only a parse dbt makes anew is stored back.
    os.utime(copy, ns=(stored.stat().st_atime_ns, stored.stat().st_mtime_ns))
    return True


def store_parse(target: Path, stored: Path) -> None:
    """Keep the `target` folder's parse as the `stored` one when it is newer. Best effort: a
    read-only install keeps the one it has."""
    made = target / PARSE_FILE
    try:
        if made.exists() and (not stored.exists() or made.stat().st_mtime > stored.stat().st_mtime):
            _write_atomically(stored, made.read_bytes())
    except OSError:
        pass


def _profile_hash(profiles_dir: Path, profile: str) -> dict[str, str]:
    """The hash dbt records for a profile (dbt-core 1.11's ManifestLoader.build_manifest_state_check):
    of the connection's keys and values, sorted."""
    from dbt.config.profile import Profile
    from dbt.config.renderer import ProfileRenderer
    from dbt.contracts.files import FileHash

    raw = yaml.safe_load((profiles_dir / "profiles.yml").read_text())[profile]
    target_name, output = Profile.render_profile(raw, profile, None, ProfileRenderer({}))
    output.pop("threads", None)  # as Profile.from_raw_profile_info: not a connection setting
    credentials = Profile._credentials_from_profile(output, profile, target_name)
    digest = FileHash.from_contents(pprint.pformat(sorted(credentials.connection_info())))
    return {"name": digest.name, "checksum": digest.checksum}


def _write_atomically(path: Path, data: bytes) -> None:
    """Concurrent builds each write a whole file, and a reader never sees half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
