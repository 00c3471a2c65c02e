"""Errors that mean the input is bad, not that the network hiccupped: retrying cannot fix them."""


class ImportFailed(Exception):
    """A billing export cannot be imported as it is. The message names the file and the problem."""


class ManifestError(ImportFailed):
    """A manifest is missing, unreadable, or lists files that are not there."""


class DataFileError(ImportFailed):
    """A data file is corrupt or does not match its manifest (columns, types, compression)."""


class AccessError(ImportFailed):
    """The bucket refused us: wrong or missing credentials, or no permission."""


def is_transient(exc: BaseException) -> bool:
    """True for failures worth retrying (timeouts, throttling, dropped connections). An error that
    knows (a `transient` attribute, e.g. an HTTP client's error by status) says so itself."""
    transient = getattr(exc, "transient", None)
    if transient is not None:
        return transient
    return not isinstance(exc, (ImportFailed, PermissionError, FileNotFoundError, ValueError))
