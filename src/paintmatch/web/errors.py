"""The web API's error: an HTTP status, a stable machine-readable code and a message for people."""

from __future__ import annotations

__all__ = ["ApiError"]


class ApiError(Exception):
    """An error answered as JSON ``{"detail": message, "code": code}`` with HTTP ``status``.

    Parameters
    ----------
    status : int
        HTTP status code (400 bad input, 403 forbidden, 404 not found, 409 busy or conflict, 413 too
        large, 415 not an image...).
    code : str
        Stable identifier of the error kind (``"cut_not_found"``, ``"cut_busy"``...), for clients.
    message : str
        What is wrong and what to do.
    """

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
