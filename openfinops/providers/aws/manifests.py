"""Find and parse the manifests AWS writes next to billing exports.

Layouts (`<root>` is `s3://<bucket>/<prefix>` or the local folder standing for it):

* Legacy CUR (v1): `<root>/<report>/<yyyymmdd-yyyymmdd>/<report>-Manifest.json`, with fields
  `assemblyId`, `reportKeys`, `columns`, `billingPeriod`, `compression`, `contentType`. Data sits
  in an `<assemblyId>/` subfolder ("create new report version") or beside the manifest
  ("overwrite report").
* CUR 2.0 and the FOCUS export (Data Exports): `<root>/<export>/metadata/BILLING_PERIOD=YYYY-MM/
  [<version>/]<export>-Manifest.json`, with `executionId`, `dataFiles`, `columns`,
  `billingPeriod`; data under `<root>/<export>/data/BILLING_PERIOD=YYYY-MM/`.

Manifest keys are relative to the bucket AWS wrote to. They are rebased onto the configured root
from the export name on, so a replicated bucket or a local copy resolves the same way.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import fsspec

from openfinops.errors import ManifestError
from openfinops.importing.exports import BrokenManifest, DataFile, DeliveredFiles

from .storage import access_errors

if TYPE_CHECKING:
    from .config import AwsExport

V1_PERIOD_FOLDER = re.compile(r"^(\d{4})(\d{2})01-\d{8}$")
V2_PERIOD_FOLDER = re.compile(r"^BILLING_PERIOD=(\d{4}-\d{2})$")


@dataclass(frozen=True)
class Manifest(DeliveredFiles):
    export: str
    cur_version: str
    billing_period: str  # YYYY-MM
    manifest_id: str  # assemblyId (v1) or executionId (v2, focus)
    path: str
    columns: tuple[tuple[str, str], ...]  # (name as in the files' header, manifest type)
    files: tuple[DataFile, ...]
    file_format: str  # "csv" or "parquet"
    written_at: float = 0.0  # when AWS wrote the manifest (epoch seconds)
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)



def discover(fs: fsspec.AbstractFileSystem, root: str, export: AwsExport) -> list[Manifest | BrokenManifest]:
    """Every billing period's current manifest for one export, oldest period first."""
    base = f"{root}/{export.name}"
    with access_errors(f"{export.location}/{export.name}"):
        if not fs.exists(base):
            raise ManifestError(f"{export.location}: no export folder named {export.name!r}")
        candidates = _v1_candidates(fs, base, export) if export.cur_version == "v1" else _v2_candidates(fs, base)
        if not candidates:
            raise ManifestError(_unknown_layout(fs, base, export))
        found: list[Manifest | BrokenManifest] = []
        for period, path in sorted(candidates.items()):
            try:
                found.append(parse(fs, root, export, period, path))
            except ManifestError as exc:
                found.append(BrokenManifest(export.name, period, path, str(exc)))
        return found


# Folders are listed and matched by name rather than globbed, so a path with glob characters
# (`billing [copy]`) is taken literally.
def _v1_candidates(fs: fsspec.AbstractFileSystem, base: str, export: AwsExport) -> dict[str, str]:
    candidates = {}
    for folder in fs.ls(base, detail=False):
        match = V1_PERIOD_FOLDER.match(folder.rstrip("/").rsplit("/", 1)[-1])
        manifest = f"{folder.rstrip('/')}/{export.name}-Manifest.json"
        if match and fs.isfile(manifest):
            candidates[f"{match[1]}-{match[2]}"] = manifest
    return candidates


def _v2_candidates(fs: fsspec.AbstractFileSystem, base: str) -> dict[str, str]:
    # "Overwrite" keeps one manifest per period; "create new" adds a versioned subfolder per
    # delivery, of which the most recently written one is current.
    if not fs.isdir(f"{base}/metadata"):
        return {}
    candidates = {}
    for folder in fs.ls(f"{base}/metadata", detail=False):
        match = V2_PERIOD_FOLDER.match(folder.rstrip("/").rsplit("/", 1)[-1])
        if not match:
            continue
        manifests = [(path, info) for path, info in fs.find(folder, maxdepth=2, detail=True).items()
                     if path.endswith("Manifest.json")]
        if manifests:
            candidates[match[1]] = max(manifests, key=lambda item: (_modified(item[1]), item[0]))[0]
    return candidates


def _modified(info: dict[str, Any]) -> float:
    stamp = info.get("LastModified") or info.get("mtime") or 0
    return stamp.timestamp() if hasattr(stamp, "timestamp") else float(stamp)


def _unknown_layout(fs: fsspec.AbstractFileSystem, base: str, export: AwsExport) -> str:
    expected = (
        f"{export.name}/<yyyymmdd-yyyymmdd>/{export.name}-Manifest.json"
        if export.cur_version == "v1"
        else f"{export.name}/metadata/BILLING_PERIOD=YYYY-MM/{export.name}-Manifest.json"
    )
    hint = ""
    entries = {p.rsplit("/", 1)[-1] for p in fs.ls(base, detail=False)}
    if export.cur_version == "v1" and {"data", "metadata"} & entries:
        hint = " It looks like a CUR 2.0 / FOCUS export: set cur_version = \"v2\" or \"focus\"."
    elif export.cur_version != "v1" and any(V1_PERIOD_FOLDER.match(e) for e in entries):
        hint = " It looks like a legacy CUR report: set cur_version = \"v1\"."
    return f"{export.location}/{export.name}: unknown export layout, no manifest at {expected}.{hint}"


def parse(fs: fsspec.AbstractFileSystem, root: str, export: AwsExport, period: str, path: str) -> Manifest:
    """Read one manifest and stat the data files it lists."""
    try:
        with fs.open(path, "rb") as f:
            doc = json.loads(f.read())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: manifest is not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise ManifestError(f"{path}: manifest is not a JSON object")

    if export.cur_version == "v1":
        manifest_id = _field(doc, "assemblyId", path)
        keys = _field(doc, "reportKeys", path)
        columns = [(f"{_entry(c, 'category', path)}/{_entry(c, 'name', path)}", c.get("type", "String"))
                   for c in _columns(doc, path)]
        declared = _v1_period(_field(doc, "billingPeriod", path), path)
    else:
        manifest_id = _field(doc, "executionId", path)
        keys = _field(doc, "dataFiles", path)
        columns = [(_entry(c, "name", path), c.get("type", "string")) for c in _columns(doc, path)]
        declared = _v2_period(doc.get("billingPeriod"), period, path)
    if declared != period:
        raise ManifestError(f"{path}: manifest is for billing period {declared}, but sits in the folder for {period}")
    if not isinstance(keys, list) or not keys:
        raise ManifestError(f"{path}: manifest lists no data files")

    files = tuple(_stat(fs, root, export, key, path) for key in keys)
    return Manifest(
        export=export.name,
        cur_version=export.cur_version,
        billing_period=period,
        manifest_id=str(manifest_id),
        path=path,
        columns=tuple(columns),
        files=files,
        file_format=_file_format(doc, keys, path),
        written_at=_modified(fs.info(path)),
        raw=doc,
    )


def _field(doc: dict, name: str, path: str) -> Any:
    if name not in doc:
        raise ManifestError(f"{path}: manifest has no {name!r} field; is this an AWS billing export manifest?")
    return doc[name]


def _columns(doc: dict, path: str) -> list[dict]:
    columns = _field(doc, "columns", path)
    if not isinstance(columns, list) or not all(isinstance(c, dict) for c in columns):
        raise ManifestError(f"{path}: manifest 'columns' is not a list of column objects")
    return columns


def _entry(column: dict, key: str, path: str) -> str:
    if not column.get(key):
        raise ManifestError(f"{path}: manifest column {column!r} has no {key!r}")
    return str(column[key])


def _v1_period(billing_period: dict, path: str) -> str:
    start = str(billing_period.get("start", "")) if isinstance(billing_period, dict) else ""
    if not re.match(r"^\d{8}T", start):
        raise ManifestError(f"{path}: billingPeriod.start {start!r} is not a CUR timestamp")
    return f"{start[:4]}-{start[4:6]}"


def _v2_period(billing_period: Any, folder_period: str, path: str) -> str:
    if not isinstance(billing_period, dict) or not billing_period.get("start"):
        return folder_period  # the partition folder names the period
    start = str(billing_period["start"])
    match = re.match(r"^(\d{4})-?(\d{2})", start)
    if not match:
        raise ManifestError(f"{path}: billingPeriod.start {start!r} is not a timestamp")
    return f"{match[1]}-{match[2]}"


def _file_format(doc: dict, keys: list[str], path: str) -> str:
    names = {key.lower() for key in keys}
    if all(n.endswith(".parquet") for n in names):
        return "parquet"
    if all(n.endswith((".csv.gz", ".csv.zip", ".csv")) for n in names):
        return "csv"
    raise ManifestError(f"{path}: unsupported data files {sorted(keys)[:3]} (expected .csv.gz, .csv.zip or .parquet)")


def resolve_key(root: str, export: str, key: str) -> str | None:
    """Rebase a bucket-relative key (or s3:// URI) onto root, from the export's folder on.

    The export folder is the segment named like the export that is followed by a billing period
    folder (legacy CUR), by the export's name again (legacy CUR in Parquet:
    `<report>/<report>/year=YYYY/month=M/`) or by `data` (Data Exports): a prefix may repeat the
    export's name.
    """
    parts = re.sub(r"^s3://[^/]+/", "", key).split("/")
    starts = [i for i, part in enumerate(parts[:-1]) if part == export and (
        parts[i + 1] in ("data", export) or V1_PERIOD_FOLDER.match(parts[i + 1]))]
    if not starts:
        return None
    return "/".join([root, *parts[starts[-1]:]])


def _stat(fs: fsspec.AbstractFileSystem, root: str, export: AwsExport, key: str, manifest: str) -> DataFile:
    path = resolve_key(root, export.name, key)
    if path is None:
        raise ManifestError(f"{manifest}: data file key {key!r} is not under the export folder {export.name!r}")
    try:
        info = fs.info(path)
    except FileNotFoundError:
        raise ManifestError(f"{manifest}: lists data file {key}, which does not exist ({path})") from None
    etag = info.get("ETag") or info.get("etag")
    return DataFile(key=key, path=path, size=int(info.get("size") or 0), etag=etag.strip('"') if etag else None)
