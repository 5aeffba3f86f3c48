"""Errors that name what is wrong and what to do; each carries the CLI exit code."""

__all__ = ["PaintmatchError", "InputError", "ModelError", "MissingExtraError"]


class PaintmatchError(Exception):
    """Base class of paintmatch's own errors. ``exit_code`` is what the CLI returns."""

    exit_code = 1


class InputError(PaintmatchError):
    """The user's input is wrong (unreadable file, size mismatch, no colored frame...). Exit code 2."""

    exit_code = 2


class ModelError(PaintmatchError):
    """Model weights are missing, corrupt or do not match their checksum. Exit code 1."""

    exit_code = 1


class MissingExtraError(PaintmatchError):
    """An optional part was asked for but its pip extra is not installed. Exit code 2."""

    exit_code = 2

    def __init__(self, feature: str, extra: str):
        super().__init__(
            f"{feature} needs the optional '{extra}' dependencies: pip install 'paintmatch[{extra}]'"
        )
