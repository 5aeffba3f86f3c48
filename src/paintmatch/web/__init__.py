"""``paintmatch serve``: review and correct colorings in the browser.

The package is a FastAPI application (``create_app``) over a workspace folder of cuts, plus a
single-page UI in ``static/`` that uses only the documented REST API (OpenAPI at ``/docs``).
It needs the ``web`` extra (FastAPI, uvicorn, python-multipart).
"""

from __future__ import annotations

from paintmatch.web.config import ServeConfig

__all__ = ["ServeConfig", "create_app"]


def create_app(config: ServeConfig):  # noqa: ANN201 - FastAPI is an optional dependency
    """Build the FastAPI application serving ``config.workspace`` (see ``paintmatch.web.app``)."""
    from paintmatch.web.app import create_app as _create_app

    return _create_app(config)
