"""Find the current run of each billing period of an Azure Cost Management export.

Layouts (`<root>` is `<container>/<root folder>` or the local folder standing for it):

* Exports with a manifest (the "improved exports", manifestVersion 2024-04-01):
  `<root>/<export>/<YYYYMMDD-YYYYMMDD>/[<yyyyMMddHHmm>/]<run id>/manifest.json` beside the run's
  `part_N_NNNN.csv`, `.csv.gz` or `.snappy.parquet` files. The manifest is the authority and the
  completion signal: Azure writes it last, so a run folder without one is still being written and
  is ignored. It names the export type (`exportConfig.type`: a type other than the configured one
  is a ManifestError), the run (`runInfo.runId`, the manifest id; `runInfo.submittedTime`), and
  each blob with its byte and row count (`blobs[].blobName`, `byteCount`, `dataRowCount`).
  Blob names are container-relative; they are rebased onto the configured root from the export's
  folder on, so a copied container or a local copy resolves the same way.
* Legacy exports, without a manifest: `<root>/<export>/<YYYYMMDD-YYYYMMDD>/[...]/<export>_<id>.csv`.
  The newest file of a month is its current delivery; the id in its name is the manifest id.

A period is the month its folder's date range starts in; of its completed runs the newest (by
`submittedTime`, else the timestamp folder, else the manifest's modification time) is current.

Runs without rows: a run whose manifest says it has no rows (`dataRowCount` 0, or no blobs) never
becomes a period's current run, so it can never replace a month that had data. It is skipped with
a warning and the newest earlier run with rows stays current (usually the one already imported:
nothing to do). A period with no run that has rows is left out: there is nothing to import. Rows
are counted on load: the raw table must hold exactly the `dataRowCount` of each blob, or the
period fails (`Manifest.expected_rows`, checked by `openfinops.importing.loading`). A legacy export
says nothing of its rows, so a legacy file with a header only is not told apart from an empty month.
"""

from __future__ import annotations

import calendar
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import fsspec

from openfinops.errors import ManifestError
from openfinops.importing.exports import BrokenManifest, DataFile, DeliveredFiles
from openfinops.logs import run_logger

from .storage import access_errors

if TYPE_CHECKING:
    from .config import AzureExport

PERIOD_FOLDER = re.compile(r"^(\d{4})(\d{2})(\d{2})-(\d{8})$")
RUN_TIMESTAMP_FOLDER = re.compile(r"^\d{12}$")  # yyyyMMddHHmm
MANIFEST_NAME = "manifest.json"
# exportConfig.type -> the configured type. "Usage" is the older API's name of actual cost.
MANIFEST_TYPES = {"actualcost": "actual", "usage": "actual", "amortizedcost": "amortized", "focuscost": "focus"}
READ_THREADS = 8


@dataclass(frozen=True)
class Manifest(DeliveredFiles):
    export: str
    export_type: str  # actual, amortized, focus
    billing_period: str  # YYYY-MM
    manifest_id: str  # the run id (legacy: the id in the file name)
    path: str  # the manifest.json (legacy: the data file)
    files: tuple[DataFile, ...]
    file_format: str  # "csv" or "parquet"
    written_at: float = 0.0  # when Azure wrote the manifest (epoch seconds)
    # Data file key -> the rows the manifest says it holds; checked after loading. None: not known.
    expected_rows: dict[str, int] | None = field(default=None, compare=False)
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @property
    def rows(self) -> int | None:
        return sum(self.expected_rows.values()) if self.expected_rows is not None else None


@dataclass(frozen=True)
class _Run:
    """A completed run (or a legacy file) of one period, before it is chosen."""

    path: str
    order: tuple  # newest sorts last
    doc: dict | None = None
    error: str | None = None


def discover(fs: fsspec.AbstractFileSystem, root: str, export: AzureExport) -> list[Manifest | BrokenManifest]:
    """Every billing period's current run for one export, oldest period first."""
    base = f"{root}/{export.name}"
    with access_errors(f"{export.location}/{export.name}"):
        if not fs.isdir(base):
            raise ManifestError(f"{export.location}: no export folder named {export.name!r}")
        # One listing of the whole export: it also stats every data file a manifest lists.
        listing = {path.rstrip("/"): info for path, info in fs.find(base, detail=True).items()
                   if info.get("type") != "directory"}
        periods = _period_files(base, listing)
        if not periods:
            raise ManifestError(_unknown_layout(fs, base, export))
        manifests = {period: [p for p in paths if p.rsplit("/", 1)[-1] == MANIFEST_NAME]
                     for period, paths in periods.items()}
        docs = _read_all(fs, [p for paths in manifests.values() for p in paths])
        found: list[Manifest | BrokenManifest] = []
        for period in sorted(periods):
            if manifests[period]:
                current = _current_run(fs, root, export, period, manifests[period], docs, listing)
            else:
                current = _current_legacy_file(root, export, period, periods[period], listing)
            if current is not None:
                found.append(current)
        return found


def _period_files(base: str, listing: dict[str, dict]) -> dict[str, list[str]]:
    """The files under each billing period's folders (a month may have several: they are merged)."""
    periods: dict[str, list[str]] = {}
    for path in listing:
        folder = path[len(base) + 1:].split("/", 1)[0]
        match = PERIOD_FOLDER.match(folder)
        if match and "/" in path[len(base) + 1:]:
            periods.setdefault(f"{match[1]}-{match[2]}", []).append(path)
    return periods


def _read_all(fs: fsspec.AbstractFileSystem, paths: list[str]) -> dict[str, dict | str]:
    """Each manifest as a JSON object, or what is wrong with it. A few at once: object stores
    serve small reads in parallel."""
    def read(path: str) -> dict | str:
        try:
            with fs.open(path, "rb") as f:
                doc = json.loads(f.read())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return f"{path}: manifest is not valid JSON ({exc})"
        except FileNotFoundError:
            return f"{path}: manifest disappeared while it was read (the run was deleted or overwritten)"
        return doc if isinstance(doc, dict) else f"{path}: manifest is not a JSON object"

    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        return dict(zip(paths, pool.map(read, paths)))


def _current_run(fs: fsspec.AbstractFileSystem, root: str, export: AzureExport, period: str, paths: list[str],
                 docs: dict[str, dict | str], listing: dict[str, dict]) -> Manifest | BrokenManifest | None:
    """The newest completed run with rows; a broken newest run is the period's error."""
    runs = []
    for path in paths:
        doc = docs[path]
        folders = path.split("/")[:-1]
        stamp = _folder_time(folders[-2]) if len(folders) >= 2 else None
        written = _modified(listing.get(path, {}))
        submitted = _submitted(doc) if isinstance(doc, dict) else None
        runs.append(_Run(path, (submitted or stamp or written, written, path), doc if isinstance(doc, dict) else None,
                         doc if isinstance(doc, str) else None))
    for run in sorted(runs, key=lambda r: r.order, reverse=True):
        if run.error:
            return BrokenManifest(export.name, period, run.path, run.error)
        try:
            manifest = parse(root, export, period, run.path, run.doc, listing)
        except ManifestError as exc:
            return BrokenManifest(export.name, period, run.path, str(exc))
        if manifest is None:
            run_logger(__name__).warning(
                "%s: export run %s of %s has no rows; it does not replace the month's data (skipped)",
                run.path, _run_id(run.doc), period)
            continue
        return manifest
    return None


def parse(root: str, export: AzureExport, period: str, path: str, doc: dict,
          listing: dict[str, dict]) -> Manifest | None:
    """One run's manifest, its blobs stat'ed from `listing`; None for a run without rows."""
    config = doc.get("exportConfig")
    if not isinstance(config, dict) or "blobs" not in doc:
        raise ManifestError(f"{path}: no 'exportConfig' or 'blobs'; is this a Cost Management export manifest?")
    declared = str(config.get("type", ""))
    if MANIFEST_TYPES.get(declared.lower()) != export.type:
        raise ManifestError(f"{path}: the export's type is {declared or 'not given'}, but azure export "
                            f"{export.name!r} is configured with type = {export.type!r}")
    run_id = _run_id(doc)
    if not run_id:
        raise ManifestError(f"{path}: manifest has no runInfo.runId")
    start = str((doc.get("runInfo") or {}).get("startDate") or "")
    match = re.match(r"^(\d{4})-(\d{2})", start)
    if match and f"{match[1]}-{match[2]}" != period:
        raise ManifestError(f"{path}: the run starts {start}, but sits in a folder of billing period {period}")
    blobs = doc["blobs"]
    if not isinstance(blobs, list) or not all(isinstance(b, dict) and b.get("blobName") for b in blobs):
        raise ManifestError(f"{path}: 'blobs' is not a list of objects with a blobName")
    if isinstance(doc.get("blobCount"), int) and doc["blobCount"] != len(blobs):
        raise ManifestError(f"{path}: manifest says blobCount {doc['blobCount']} but lists {len(blobs)} blob(s)")
    expected = _expected_rows(doc, blobs, path)
    if not blobs or (expected is not None and sum(expected.values()) == 0):
        return None
    files = tuple(_stat(root, export, blob, path, listing) for blob in blobs)
    return Manifest(
        export=export.name,
        export_type=export.type,
        billing_period=period,
        manifest_id=run_id,
        path=path,
        files=files,
        file_format=_file_format([f.key for f in files], path),
        written_at=_modified(listing.get(path, {})),
        expected_rows=expected,
        raw=doc,
    )


def _run_id(doc: dict | None) -> str:
    info = (doc or {}).get("runInfo")
    return str(info.get("runId") or "") if isinstance(info, dict) else ""


def _expected_rows(doc: dict, blobs: list[dict], path: str) -> dict[str, int] | None:
    """Rows per blob name, from the blobs' dataRowCount (or the manifest's, for one blob)."""
    total = doc.get("dataRowCount")
    if total is not None and (not isinstance(total, int) or total < 0):
        raise ManifestError(f"{path}: dataRowCount {total!r} is not a count")
    counts = [blob.get("dataRowCount") for blob in blobs]
    if any(c is not None and (not isinstance(c, int) or c < 0) for c in counts):
        raise ManifestError(f"{path}: a blob's dataRowCount is not a count")
    if blobs and all(c is not None for c in counts):
        if total is not None and sum(counts) != total:
            raise ManifestError(f"{path}: dataRowCount {total} is not the sum of the blobs' ({sum(counts)})")
        return {str(blob["blobName"]): count for blob, count in zip(blobs, counts)}
    if total is not None and len(blobs) == 1:
        return {str(blobs[0]["blobName"]): total}
    if total == 0:
        return {}
    return None


def _current_legacy_file(root: str, export: AzureExport, period: str, paths: list[str],
                         listing: dict[str, dict]) -> Manifest | None:
    """The newest `<export>_<id>.csv` of the period, without a manifest."""
    name = re.compile(rf"^{re.escape(export.name)}_([A-Za-z0-9][A-Za-z0-9\-]*)\.csv(\.gz)?$", re.IGNORECASE)
    files = [(path, name.match(path.rsplit("/", 1)[-1])) for path in paths]
    files = [(path, match[1]) for path, match in files if match]
    if not files:
        return None  # a run of the newer layout still being written, or unrelated files
    path, file_id = max(files, key=lambda item: (_modified(listing[item[0]]), item[0]))
    info = listing[path]
    key = path[len(root) + 1:]
    return Manifest(
        export=export.name,
        export_type=export.type,
        billing_period=period,
        manifest_id=file_id,
        path=path,
        files=(DataFile(key=key, path=path, size=int(info.get("size") or 0), etag=_etag(info)),),
        file_format="csv",
        written_at=_modified(info),
    )


def resolve_blob(root: str, export: str, blob_name: str) -> str | None:
    """Rebase a container-relative blob name (or a blob URL) onto root, from the export's folder on:
    the last segment named like the export that is followed by a billing period folder."""
    parts = re.sub(r"^[a-z]+://[^/]+/", "", blob_name).lstrip("/").split("/")
    starts = [i for i, part in enumerate(parts[:-1]) if part == export and PERIOD_FOLDER.match(parts[i + 1])]
    if not starts:
        return None
    return "/".join([root, *parts[starts[-1]:]])


def _stat(root: str, export: AzureExport, blob: dict, manifest: str, listing: dict[str, dict]) -> DataFile:
    key = str(blob["blobName"])
    path = resolve_blob(root, export.name, key)
    if path is None:
        raise ManifestError(f"{manifest}: blob {key!r} is not under the export folder {export.name!r}")
    info = listing.get(path)
    if info is None:
        raise ManifestError(f"{manifest}: lists blob {key}, which does not exist ({path})")
    size = int(info.get("size") or 0)
    declared = blob.get("byteCount")
    if isinstance(declared, int) and declared != size:
        raise ManifestError(f"{manifest}: lists blob {key} with {declared} bytes, but it has {size} "
                            "(truncated, or being rewritten)")
    return DataFile(key=key, path=path, size=size, etag=_etag(info))


def _file_format(keys: list[str], path: str) -> str:
    names = {key.lower() for key in keys}
    if all(n.endswith(".parquet") for n in names):
        return "parquet"
    if all(n.endswith((".csv", ".csv.gz")) for n in names):
        return "csv"
    raise ManifestError(f"{path}: unsupported data files {sorted(keys)[:3]} (expected .csv, .csv.gz or .parquet, "
                        "all of one format)")


def _etag(info: dict) -> str | None:
    etag = info.get("etag") or info.get("ETag")
    return str(etag).strip('"') if etag else None


def _modified(info: dict[str, Any]) -> float:
    stamp = info.get("last_modified") or info.get("LastModified") or info.get("mtime") or 0
    return stamp.timestamp() if hasattr(stamp, "timestamp") else float(stamp)


def _folder_time(folder: str) -> float | None:
    """The run's timestamp folder (yyyyMMddHHmm, UTC) as epoch seconds."""
    if not RUN_TIMESTAMP_FOLDER.match(folder):
        return None
    try:
        return calendar.timegm(datetime.strptime(folder, "%Y%m%d%H%M").timetuple())
    except ValueError:
        return None


def _submitted(doc: dict) -> float | None:
    """runInfo.submittedTime (`2024-02-03T19:14:30.5245257Z`: seven fractional digits) as epoch seconds."""
    info = doc.get("runInfo")
    text = str(info.get("submittedTime") or "") if isinstance(info, dict) else ""
    match = re.match(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$", text.strip())
    if not match:
        return None
    stamp = datetime.fromisoformat(match[1] + (match[2] or "")[:7] + (match[3] or "Z").replace("Z", "+00:00"))
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)).timestamp()


def _unknown_layout(fs: fsspec.AbstractFileSystem, base: str, export: AzureExport) -> str:
    entries = sorted(p.rstrip("/").rsplit("/", 1)[-1] for p in fs.ls(base, detail=False))[:5]
    return (f"{export.location}/{export.name}: unknown export layout, expected {export.name}/<YYYYMMDD-YYYYMMDD>/"
            f"[<yyyyMMddHHmm>/]<run id>/manifest.json or {export.name}/<YYYYMMDD-YYYYMMDD>/{export.name}_<id>.csv"
            f" (found: {', '.join(entries) or 'nothing'})")
