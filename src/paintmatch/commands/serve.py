"""``paintmatch serve``: review and correct colorings of a workspace's cuts in the browser."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    parser.add_argument("workspace", nargs="?", type=Path, default=Path("."), help="folder of cut folders (line/, gt/); default: the current folder")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only; any other needs --token)")
    parser.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    parser.add_argument(
        "--token",
        default=os.environ.get("PAINTMATCH_TOKEN"),
        help="shared secret required by every request (header X-Paintmatch-Token or cookie); default $PAINTMATCH_TOKEN",
    )
    parser.add_argument("--max-upload-mb", type=int, default=512, help="largest upload request in MiB (default 512)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no request log")


def run(args: argparse.Namespace) -> int:
    """Start the server (blocks until interrupted). Returns the exit code."""
    from paintmatch.errors import MissingExtraError

    try:
        import uvicorn

        from paintmatch.web import ServeConfig, create_app
        from paintmatch.web.app import create_app as _check  # noqa: F401 - imports FastAPI now, not mid-request
    except ImportError as error:
        raise MissingExtraError(f"paintmatch serve ({error.name} is missing)", "web") from None
    config = ServeConfig(
        workspace=args.workspace,
        host=args.host,
        port=args.port,
        token=args.token or None,
        max_request_bytes=args.max_upload_mb * 1024 * 1024,
    )
    app = create_app(config)
    shown = f"[{config.host}]" if ":" in config.host else config.host
    url = f"http://{shown}:{config.port}/"
    if config.token:
        url += "?token=<your token>"
    print(f"paintmatch serve: workspace {config.workspace}\n  open {url}  (API docs: /docs; Ctrl+C to stop)", flush=True)
    uvicorn.run(app, host=config.host, port=config.port, log_level="warning" if args.quiet else "info")
    return 0
