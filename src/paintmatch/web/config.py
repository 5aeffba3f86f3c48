"""Settings of the web server: the workspace, the address it binds, the token and upload limits."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from paintmatch.errors import InputError

__all__ = ["ServeConfig", "is_loopback"]

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an IP address) is this machine's loopback interface only.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    host = host.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class ServeConfig:
    """Everything ``create_app`` needs; nothing is kept in module-level globals.

    Attributes
    ----------
    workspace : Path
        Folder whose sub-folders are cuts (``<cut>/line/``, ``<cut>/gt/``). The server's own state
        (corrections, results, exports) lives in ``<workspace>/.paintmatch/``; input frames are never
        modified.
    host : str
        Address to bind. Anything but loopback requires ``token``.
    port : int
        TCP port.
    token : str or None
        Shared secret. When set, every request must carry it in the ``X-Paintmatch-Token`` header or the
        ``paintmatch_token`` cookie (opening ``/?token=...`` once sets the cookie).
    max_file_bytes : int
        Largest uploaded file.
    max_files : int
        Most files in one upload (line frames plus the colored frame).
    max_request_bytes : int
        Largest upload request body (other requests are limited to 1 MiB).
    max_pixels : int
        Largest frame (width x height) accepted in an upload.
    job_workers : int
        Threads that run colorize and re-propagate jobs.
    low_confidence : float or None
        Confidence under which a component is flagged for review (filmstrip badges, the confidence
        view, the flagged list and stepping). None (the default): ``paintmatch.review.FLAG_CONFIDENCE``,
        so the page flags exactly what the sidecars' ``flagged`` says; a number overrides it (the
        other parts of the rule, over ``FLAG_MIN_AREA`` px and not locked, stay).
    history_limit : int
        Undo steps kept per cut.
    """

    workspace: Path
    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    max_file_bytes: int = 64 * 1024 * 1024
    max_files: int = 400
    max_request_bytes: int = 512 * 1024 * 1024
    max_pixels: int = 40_000_000
    job_workers: int = 1
    low_confidence: float | None = None
    history_limit: int = 30

    def validate(self) -> "ServeConfig":
        """Check the settings; returns ``self`` with ``workspace`` resolved.

        Raises
        ------
        InputError
            The workspace is not a folder, a non-loopback host has no token, or a limit is not positive.
        """
        self.workspace = Path(self.workspace).expanduser().resolve()
        if not self.workspace.is_dir():
            raise InputError(f"workspace {self.workspace} is not a folder; give a folder that holds cut folders")
        if not is_loopback(self.host) and not self.token:
            raise InputError(
                f"--host {self.host} would expose the workspace to the network: pass --token SECRET too "
                "(clients then send it as the X-Paintmatch-Token header or open /?token=SECRET once)"
            )
        if self.token is not None and len(self.token) < 8:
            raise InputError("--token must be at least 8 characters long")
        if not 0 < self.port < 65536:
            raise InputError(f"--port must be between 1 and 65535; got {self.port}")
        for name in ("max_file_bytes", "max_files", "max_request_bytes", "max_pixels", "job_workers", "history_limit"):
            if getattr(self, name) <= 0:
                raise InputError(f"{name} must be positive; got {getattr(self, name)}")
        if self.low_confidence is not None and not 0 <= self.low_confidence <= 1:
            raise InputError(
                f"low_confidence must be between 0 and 1 (or None: the review rule's default); got {self.low_confidence}"
            )
        return self

    @property
    def flag_threshold(self) -> float:
        """The confidence under which components are flagged: ``low_confidence``, else the review rule's default."""
        if self.low_confidence is not None:
            return float(self.low_confidence)
        from paintmatch.review import FLAG_CONFIDENCE

        return FLAG_CONFIDENCE

    @property
    def state_dir(self) -> Path:
        """``<workspace>/.paintmatch``: the server's own files."""
        return self.workspace / ".paintmatch"
