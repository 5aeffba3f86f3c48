"""Color every cut of an episode on a Dask cluster: one task per whole cut, over ``colorize_cut``.

Propagation inside a cut is sequential (each painted frame is the next one's reference); cuts are
independent, so an episode is a map of ``paintmatch.cut.colorize_cut`` over its cut folders. This
module adds only what a render farm needs around that map:

- **discovery**: every folder under the episode with ``line/`` and at least one colored frame in
  ``gt/`` is a cut; its output goes to ``OUT/<path of the cut relative to the episode>/``;
- **a cluster**: a ``LocalCluster`` of worker processes (one thread each) by default, or an existing
  cluster by its scheduler address (``dask scheduler`` / ``dask worker``);
- **per-worker set-up** (``PaintmatchWorkerPlugin``): OpenCV limited to one thread per task, and the
  matcher with its model weights loaded once per worker process (``_worker_matcher``);
- **failures**: bad input fails its cut with the reason, other cuts go on; an unexpected exception
  is retried (``retries``); a task whose worker died is rescheduled by Dask on another worker; the
  summary counts both per cut (``retries``, ``worker_died``);
- **no output inside an input**: an output folder that is, or is inside, any cut's ``line/`` or
  ``gt/`` is refused before anything runs (``paintmatch.cut.check_output_folder``);
- **Ctrl-C**: the client drops a stop file (``OUT/.paintmatch-stop-<run>``) that every running cut
  task checks before each frame and before replacing its output folder's files, so no cut is
  written after the batch said "interrupted"; cuts that had finished are recorded in the manifest;
- **a log per cut** (``OUT/<cut>/paintmatch.log``), **a summary** (``OUT/summary.json``) and **a
  manifest** (``OUT/manifest.json``: sha256 of every input and output file and the settings of each
  cut done), all written atomically; ``resume=True`` skips the cuts the manifest shows complete and
  unchanged.

Dask (``pip install 'paintmatch[dist]'``) is imported only when a batch runs.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import json
import logging
import os
import threading
import time
import traceback
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

from paintmatch import __version__
from paintmatch.cut import ColorizeOptions, check_output_folder, colorize_cut
from paintmatch.io import os_input_error
from paintmatch.errors import InputError, MissingExtraError, PaintmatchError

__all__ = [
    "CUT_LOG",
    "SUMMARY_FILE",
    "MANIFEST_FILE",
    "KILL_ONCE_ENV",
    "CutTask",
    "find_cuts",
    "input_hashes",
    "settings_of",
    "load_manifest",
    "is_complete",
    "colorize_task",
    "PaintmatchWorkerPlugin",
    "run",
]

log = logging.getLogger("paintmatch.batch")

CUT_LOG = "paintmatch.log"
"""Name of the log written into each cut's output folder."""

SUMMARY_FILE = "summary.json"
"""Name of the batch summary in the output folder."""

MANIFEST_FILE = "manifest.json"
"""Name of the resume manifest in the output folder."""

KILL_ONCE_ENV = "PAINTMATCH_BATCH_KILL_ONCE"
"""Test hook: when this variable names a file that does not exist yet, the first cut task to see it
creates the file and kills its worker process (``os._exit``), as a crashed machine would. The tests
use it to prove that the batch survives a dead worker; never set it otherwise."""

CONNECT_TIMEOUT = "20s"
"""How long to try to reach a ``--scheduler``."""

WORKER_TIMEOUT = 60
"""Seconds to wait for a ``--scheduler`` to have at least one worker."""

STOP_PREFIX = ".paintmatch-stop-"
"""Name prefix of the stop file the client writes into the output folder on Ctrl-C."""

MANIFEST_VERSION = 1
_INPUT_FOLDERS = ("line", "gt")


@dataclass(frozen=True)
class CutTask:
    """One cut to color: what a worker needs, with absolute paths (workers may run elsewhere).

    Attributes
    ----------
    name : str
        The cut's path relative to the episode, with ``/`` separators (its id in the summary).
    cut_dir : str
        Absolute path of the cut folder (``line/``, ``gt/``).
    out_dir : str
        Absolute path of its output folder.
    stop_file : str
        Absolute path of the batch's stop file: once it exists, the task stops before its next
        frame and writes nothing ('' for none).
    """

    name: str
    cut_dir: str
    out_dir: str
    stop_file: str = ""


@dataclass
class _Row:
    """One cut's line of the summary (see ``run``)."""

    cut: str
    status: str
    frames: int = 0
    seconds: float = 0.0
    mean_confidence: float | None = None
    next_to_color: str | None = None  # the frame a painter should color next (``CutResult.next_to_color``)
    error: str | None = None
    worker: str | None = None
    retries: int = 0
    worker_died: int = 0
    # What its run warned of, as its log says it: a colored frame that does not fit its line frame, frames written
    # through uncolored, JPEG frames read with a warning.
    warnings: list[str] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        row = asdict(self)
        row.pop("outputs")
        return row


# --------------------------------------------------------------------------------------------------
# Discovery, hashing, manifest


def _is_image(path: Path) -> bool:
    from paintmatch.io import IMAGE_SUFFIXES

    return path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")


def _has_colored_frame(folder: Path) -> bool:
    gt = folder / "gt"
    return gt.is_dir() and any(_is_image(p) for p in gt.iterdir())


def find_cuts(episode: str | os.PathLike[str], *, exclude: tuple[str | os.PathLike[str], ...] = ()) -> list[Path]:
    """Cut folders under an episode folder, sorted by path.

    A cut is a folder holding a ``line/`` folder and at least one ``.png``/``.tga`` file in ``gt/``
    (the colored frames; their content is checked when the cut is colored). The search does not
    descend into a cut, into hidden folders, or into the ``exclude`` folders (the batch's output).

    Parameters
    ----------
    episode : path
        The episode folder (may itself be a cut).
    exclude : tuple of path
        Folders to leave out, with everything under them.

    Returns
    -------
    list of Path
        Absolute cut folders.

    Raises
    ------
    InputError
        If ``episode`` is not a folder.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> for cut in ("c1", "sc2/c2"):
    ...     (root / cut / "line").mkdir(parents=True)
    ...     (root / cut / "gt").mkdir()
    ...     (root / cut / "gt" / "0000.png").touch()
    >>> [p.relative_to(root).as_posix() for p in find_cuts(root)]
    ['c1', 'sc2/c2']
    """
    root = Path(episode).resolve()
    if not root.is_dir():
        raise InputError(f"episode folder {episode} does not exist or is not a folder; give the folder that holds the cuts")
    skip = {Path(p).resolve() for p in exclude}
    cuts: list[Path] = []
    for folder, subfolders, _files in os.walk(root):
        here = Path(folder)
        if (here / "line").is_dir() and _has_colored_frame(here):
            cuts.append(here)
            subfolders[:] = []
            continue
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and (here / d).resolve() not in skip)
    return sorted(cuts)


def _folders_without_reference(episode: Path, cuts: list[Path], exclude: tuple[Path, ...]) -> list[Path]:
    """Folders with ``line/`` but no colored frame: not cuts yet, worth a warning."""
    found = []
    for line in episode.rglob("line"):
        folder = line.parent
        if line.is_dir() and folder not in cuts and not any(folder.is_relative_to(e) for e in exclude):
            found.append(folder)
    return sorted(found)


def input_hashes(cut_dir: str | os.PathLike[str]) -> dict[str, str]:
    """sha256 of every input file of a cut (``line/`` and ``gt/`` frames).

    Returns
    -------
    dict of str to str
        Path relative to the cut folder (``line/0000.png``) -> hex sha256 of the file's bytes.
    """
    from paintmatch.features import sha256_of

    root = Path(cut_dir)
    hashes = {}
    for sub in _INPUT_FOLDERS:
        folder = root / sub
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if _is_image(path):
                    hashes[f"{sub}/{path.name}"] = sha256_of(path)
    return hashes


def settings_of(options: ColorizeOptions) -> dict[str, Any]:
    """The settings that decide a cut's output: every coloring option and the paintmatch version."""
    return {"paintmatch": __version__, **json.loads(json.dumps(asdict(options), sort_keys=True, default=str))}


def load_manifest(out: str | os.PathLike[str]) -> dict[str, Any]:
    """The resume manifest of an output folder (an empty one if missing or unreadable).

    Returns
    -------
    dict
        ``{"version": 1, "cuts": {name: {"settings", "inputs", "outputs", "frames", "seconds",
        "mean_confidence", "next_to_color", "finished"}}}``: one entry per cut completed, inputs and outputs as
        relative path -> sha256.
    """
    path = Path(out) / MANIFEST_FILE
    empty: dict[str, Any] = {"version": MANIFEST_VERSION, "cuts": {}}
    if not path.exists():
        return empty
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        log.warning("ignoring the unreadable manifest %s (%s): every cut will be colored again", path, error)
        return empty
    if not isinstance(manifest, dict) or manifest.get("version") != MANIFEST_VERSION or not isinstance(manifest.get("cuts"), dict):
        log.warning("ignoring the manifest %s of another format: every cut will be colored again", path)
        return empty
    return manifest


def is_complete(entry: dict[str, Any] | None, out_dir: str | os.PathLike[str], inputs: dict[str, str], settings: dict[str, Any]) -> bool:
    """Whether a cut's manifest entry shows it done with these inputs and settings, outputs intact.

    Parameters
    ----------
    entry : dict or None
        The cut's entry in the manifest (``load_manifest``), None if it has none.
    out_dir : path
        The cut's output folder.
    inputs : dict of str to str
        The cut's current ``input_hashes``.
    settings : dict
        The current ``settings_of``.

    Returns
    -------
    bool
        True only if the inputs and settings are unchanged and every recorded output file exists
        with its recorded sha256.
    """
    from paintmatch.features import sha256_of

    if not entry or entry.get("inputs") != inputs or entry.get("settings") != settings:
        return False
    outputs = entry.get("outputs")
    if not isinstance(outputs, dict) or not outputs:
        return False
    folder = Path(out_dir)
    for name, digest in outputs.items():
        path = folder / name
        if not path.is_file() or sha256_of(path) != digest:
            return False
    return True


# --------------------------------------------------------------------------------------------------
# Worker side


@functools.lru_cache(maxsize=4)
def _worker_matcher(method: str, params_json: str):
    """The matcher of these settings, built once per worker process, with its model weights loaded.

    ``paintmatch.features.load_session`` keeps one onnxruntime session per process, so loading the
    weights here (at worker set-up or at the worker's first cut) makes every later cut of this
    worker reuse them.
    """
    from paintmatch.features import get_weights, load_session
    from paintmatch.match import get_matcher, models_of

    matcher = get_matcher(method, **json.loads(params_json))
    for name in models_of(matcher):  # best: its part fields and the color choice's trees; deep features: the ResNet
        load_session(get_weights(name))
    return matcher


def _prepare_worker(options: ColorizeOptions) -> None:
    _worker_matcher(options.method, json.dumps(options.matcher_params, sort_keys=True))


try:  # the plugin base class when Dask is installed; a plain object otherwise (the plugin is then unused)
    from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPluginBase
except ImportError:  # pragma: no cover - the 'dist' extra is missing
    _WorkerPluginBase = object  # type: ignore[assignment,misc]


class PaintmatchWorkerPlugin(_WorkerPluginBase):  # type: ignore[misc,valid-type]
    """Dask worker plugin: per-worker set-up before the first cut.

    Limits OpenCV and onnxruntime to one thread per worker thread's task (a worker is one CPU: the
    parallelism is across cuts) and loads the matcher and its model weights once (``_worker_matcher``). A set-up
    failure (for example missing weights) is left for the cut tasks to report with their reason.

    Parameters
    ----------
    options : ColorizeOptions
        The batch's coloring settings.
    """

    def __init__(self, options: ColorizeOptions):
        self.options = options
        self.name = "paintmatch-" + uuid.uuid5(uuid.NAMESPACE_URL, json.dumps(settings_of(options), sort_keys=True)).hex[:12]

    def setup(self, worker) -> None:
        from paintmatch.features import set_process_threads

        set_process_threads(1)
        try:
            _prepare_worker(self.options)
        except Exception as error:  # reported by every cut task of this worker, with the reason
            log.warning("worker set-up failed (%s); the cut tasks will report it", error)


def _kill_once_hook() -> None:
    """Test hook (``KILL_ONCE_ENV``): kill this worker process once, like a machine going down."""
    marker = os.environ.get(KILL_ONCE_ENV)
    if not marker:
        return
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.write(fd, f"killed worker pid {os.getpid()}\n".encode())
    os.close(fd)
    os._exit(70)


class _ThreadFilter(logging.Filter):
    """Keep only the records of one thread (a worker may run several cuts at once)."""

    def __init__(self, thread: int):
        super().__init__()
        self.thread = thread

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread == self.thread


class _Warnings(logging.Handler):
    """The messages of one thread's WARNING records (a cut's warnings, for its summary row)."""

    def __init__(self, thread: int):
        super().__init__(logging.WARNING)
        self.addFilter(_ThreadFilter(thread))
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno == logging.WARNING:  # errors have the row's error field
            self.messages.append(record.getMessage())


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return f"pid {os.getpid()}"


def colorize_task(task: CutTask, options: ColorizeOptions) -> dict[str, Any]:
    """Color one cut on a worker: ``colorize_cut`` plus its log and output hashes.

    Parameters
    ----------
    task : CutTask
    options : ColorizeOptions

    Returns
    -------
    dict
        A summary row: ``cut``, ``status`` (``"ok"`` or ``"failed"``), ``frames``, ``seconds``,
        ``mean_confidence``, ``next_to_color``, ``error``, ``worker``, and ``outputs`` (file name -> sha256).

    Raises
    ------
    Exception
        Anything but a ``PaintmatchError`` (a crash, not bad input) is logged and raised again, so
        that Dask retries the task.

    Notes
    -----
    Bad input (``InputError``) and model errors are reported in the row, not raised: retrying them
    would fail the same way. The log ``<out_dir>/paintmatch.log`` is written atomically at the end.
    """
    from paintmatch.features import sha256_of
    from paintmatch.io import atomic_write

    _kill_once_hook()
    out_dir = Path(task.out_dir)
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handler.addFilter(_ThreadFilter(threading.get_ident()))
    logger = logging.getLogger("paintmatch")
    logger.addHandler(handler)
    warned = _Warnings(threading.get_ident())
    logger.addHandler(warned)
    if logger.getEffectiveLevel() > logging.INFO:  # the log file wants the INFO lines (set once per process)
        logger.setLevel(logging.INFO)
    row = _Row(cut=task.name, status="failed", worker=_worker_address())
    start = time.perf_counter()
    stop_file = task.stop_file

    def stopped() -> bool:
        return bool(stop_file) and os.path.exists(stop_file)

    row.warnings = warned.messages  # filled as the run logs them
    try:
        log.info("cut %s: %s -> %s on %s (paintmatch %s)", task.name, task.cut_dir, task.out_dir, row.worker, __version__)
        log.info("settings: %s", json.dumps(asdict(options), sort_keys=True, default=str))

        def progress(done: int, total: int, name: str) -> None:
            log.info("step %d/%d done (frame %s)", done, total, name)

        try:
            _prepare_worker(options)
            result = colorize_cut(task.cut_dir, out_dir, options=options, quiet=True, progress=progress, cancel=stopped)
        except PaintmatchError as error:
            row.error = str(error)
            row.seconds = round(time.perf_counter() - start, 3)
            if not stopped():
                log.error("cut %s failed: %s", task.name, error)
            return asdict(row)
        except Exception as error:
            # One line where the worker's output goes; the traceback only into the cut's log (INFO).
            log.error("cut %s crashed (%s: %s); the task will be retried", task.name, type(error).__name__, error)
            log.info("traceback of cut %s:\n%s", task.name, traceback.format_exc())
            raise
        row.status = "ok"
        row.frames = len(result.frames)
        row.mean_confidence = round(result.mean_confidence, 4)
        upcoming = result.next_to_color
        row.next_to_color = upcoming.name if upcoming is not None else None
        if result.passed_through:
            log.info("cut %s: written through uncolored (no lines, no closed region or too many regions): %s", task.name, ", ".join(result.passed_through))
        row.outputs = {path.relative_to(out_dir).as_posix(): sha256_of(path) for path in result.written}
        row.seconds = round(time.perf_counter() - start, 3)
        log.info(
            "cut %s done: %d frames in %.2f s, mean confidence %.3f, %d files%s",
            task.name, row.frames, row.seconds, row.mean_confidence, len(row.outputs),
            f"; color {upcoming.name} next (the least sure frame)" if upcoming is not None else "",
        )
        return asdict(row)
    finally:
        logger.removeHandler(handler)
        logger.removeHandler(warned)
        if not stopped():  # once the batch is interrupted, nothing more is written
            try:
                with atomic_write(out_dir / CUT_LOG, "w") as handle:
                    handle.write(buffer.getvalue())
            except InputError as error:  # the output folder is not writable: the row says why already
                log.warning("cannot write the log of cut %s: %s", task.name, error)


# --------------------------------------------------------------------------------------------------
# Client side


def _cut_name(cut: Path, episode: Path) -> str:
    relative = cut.relative_to(episode).as_posix()
    return relative if relative != "." else episode.name


@contextlib.contextmanager
def _cluster(scheduler: str | None, workers: int, *, quiet: bool) -> Iterator[Any]:
    """A Dask client on a new LocalCluster of ``workers`` processes, or on the given scheduler; closed on exit."""
    from distributed import Client, LocalCluster

    dask_log = logging.getLogger("distributed")
    dask_level = dask_log.level
    dask_log.setLevel(logging.ERROR if quiet else logging.WARNING)  # the in-process scheduler's INFO chatter
    cluster = None
    try:
        if scheduler is None:
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR if quiet else logging.WARNING,
            )
            client = Client(cluster, set_as_default=False)
        else:
            client = _connect(scheduler)
        try:
            yield client
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()
        dask_log.setLevel(dask_level)


def _connect(scheduler: str):
    """A client of a running scheduler that has at least one worker."""
    from distributed import Client

    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise InputError(
            f"cannot connect to the Dask scheduler at {scheduler} ({error}); start one with "
            "`dask scheduler` and workers with `dask worker ADDRESS`, or leave --scheduler out to run locally"
        ) from None
    try:
        client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
    except TimeoutError:
        client.close()
        raise InputError(
            f"the Dask scheduler at {scheduler} has no worker after {WORKER_TIMEOUT} s; "
            f"start some with `dask worker {scheduler}`"
        ) from None
    return client


def run(
    episode: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    workers: int = 2,
    scheduler: str | None = None,
    resume: bool = False,
    options: ColorizeOptions | None = None,
    progress: bool = True,
    retries: int = 2,
) -> dict[str, Any]:
    """Color every cut of an episode on a Dask cluster.

    Parameters
    ----------
    episode : path
        Folder holding cut folders (at any depth; see ``find_cuts``).
    out : path
        Output folder: ``OUT/<cut>/`` per cut (frames, sidecars, ``paintmatch.log``), plus
        ``OUT/summary.json`` and ``OUT/manifest.json``.
    workers : int
        Worker processes of the local cluster (one thread each). Ignored with ``scheduler``.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); its workers must have paintmatch
        installed and see the episode and output folders at the same paths.
    resume : bool
        Skip the cuts that the manifest shows complete with unchanged inputs and settings.
    options : ColorizeOptions, optional
        Coloring settings, the same for every cut.
    progress : bool
        Show a progress bar over cuts.
    retries : int
        Extra attempts for a cut task that raised an unexpected exception (a task whose worker
        died is rescheduled by Dask on its own, up to ``distributed.scheduler.allowed-failures``).

    Returns
    -------
    dict
        The summary, also written to ``OUT/summary.json``: ``episode``, ``out``, ``workers``
        (local worker count or the scheduler address), ``settings``, ``seconds`` (wall clock),
        ``cuts_per_minute`` (colored cuts), ``counts`` (ok / failed / skipped), ``failed`` (names),
        ``not_cuts`` (folders with ``line/`` but no colored frame) and ``cuts``: one row per cut,
        sorted by name, with ``cut``, ``status`` (``ok``, ``failed`` or ``skipped``), ``frames``,
        ``seconds``, ``mean_confidence`` (``CutResult.mean_confidence``: over the regions over 10 px), ``next_to_color``
        (the frame a painter should color next, the least sure:
        ``paintmatch.review.next_to_color``), ``error``, ``worker``, ``retries`` (times the cut's task was
        run again: a crash or a dead worker) and ``worker_died`` (times a worker died while running it
        or holding it in its queue).

    Raises
    ------
    InputError
        No cut found, bad settings, an unreachable scheduler, an output folder inside a cut's
        ``line/`` or ``gt/``, or one that cannot be written (read-only, full disk, no permission).
    MissingExtraError
        Dask is not installed.
    """
    if importlib.util.find_spec("distributed") is None:
        raise MissingExtraError("paintmatch batch", "dist")
    options = options or ColorizeOptions()
    options.validate()
    if scheduler is None and (not isinstance(workers, int) or workers < 1):
        raise InputError(f"--workers must be a whole number >= 1; got {workers!r}")
    if retries < 0:
        raise InputError(f"retries must be >= 0; got {retries}")
    episode_dir = Path(episode).resolve()
    out_dir = Path(out).resolve()
    cuts = find_cuts(episode_dir, exclude=(out_dir,))
    not_cuts = _folders_without_reference(episode_dir, cuts, (out_dir,))
    for folder in not_cuts:
        log.warning("%s has line/ but no colored frame in gt/: not colored (color one frame first)", folder)
    if not cuts:
        raise InputError(
            f"no cut found under {episode}: a cut is a folder with line/ and at least one colored frame in gt/"
        )
    names = [_cut_name(cut, episode_dir) for cut in cuts]
    if len(set(names)) != len(names):  # only possible when the episode is itself a cut named like a sub-cut
        raise InputError(f"cut names under {episode} are not unique: {names}")
    inputs_folders = {cut / sub for cut in cuts for sub in _INPUT_FOLDERS}
    suggestion = episode_dir.parent / f"{episode_dir.name}-paint"
    check_output_folder(out_dir, inputs_folders, suggestion=suggestion)
    for name in names:
        check_output_folder(out_dir / name, inputs_folders, suggestion=suggestion)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise os_input_error(out_dir, error) from None
    for stale in out_dir.glob(STOP_PREFIX + "*"):  # left by an earlier interrupted run
        stale.unlink(missing_ok=True)
    run_id = uuid.uuid4().hex[:8]
    stop_file = out_dir / f"{STOP_PREFIX}{run_id}"

    settings = settings_of(options)
    manifest = load_manifest(out_dir)
    inputs = {name: input_hashes(cut) for name, cut in zip(names, cuts)}
    rows: dict[str, dict[str, Any]] = {}
    todo: list[CutTask] = []
    for name, cut in zip(names, cuts):
        entry = manifest["cuts"].get(name)
        if resume and is_complete(entry, out_dir / name, inputs[name], settings):
            rows[name] = _Row(
                cut=name, status="skipped", frames=entry.get("frames", 0), seconds=0.0,
                mean_confidence=entry.get("mean_confidence"), next_to_color=entry.get("next_to_color"),
                warnings=list(entry.get("warnings", [])),
            ).public()
        else:
            manifest["cuts"].pop(name, None)  # not done (or to be redone) until its task says so
            todo.append(CutTask(name=name, cut_dir=str(cut), out_dir=str(out_dir / name), stop_file=str(stop_file)))
    log.info("%d cut(s) found, %d to color, %d skipped (complete)", len(cuts), len(todo), len(cuts) - len(todo))

    summary: dict[str, Any] = {
        "episode": str(episode_dir),
        "out": str(out_dir),
        "workers": scheduler if scheduler else workers,
        "settings": settings,
    }
    start = time.perf_counter()

    def finish(interrupted: bool) -> None:
        seconds = time.perf_counter() - start
        ordered = [rows[name] for name in sorted(rows)]
        counts = {status: sum(r["status"] == status for r in ordered) for status in ("ok", "failed", "skipped")}
        summary.update(
            seconds=round(seconds, 3),
            cuts_per_minute=round(60.0 * counts["ok"] / seconds, 3) if seconds > 0 and counts["ok"] else 0.0,
            counts=counts,
            failed=[r["cut"] for r in ordered if r["status"] == "failed"],
            not_cuts=[_cut_name(f, episode_dir) for f in not_cuts],
            interrupted=interrupted,
            cuts=ordered,
        )
        _write_json(out_dir / SUMMARY_FILE, summary)

    if not todo:
        finish(interrupted=False)
        return summary
    try:
        with _cluster(scheduler, workers, quiet=not progress) as client:  # an unreachable scheduler fails here
            _write_json(out_dir / MANIFEST_FILE, manifest)
            try:
                _run_tasks(client, todo, options, rows, manifest, inputs, settings, out_dir, progress, retries, run_id, stop_file)
            except BaseException:  # Ctrl-C, or the scheduler went away: say how far the batch got
                finish(interrupted=True)
                raise
    finally:
        if scheduler is None:  # the local workers are gone: no task can still be running
            stop_file.unlink(missing_ok=True)
            _remove_staging(todo)
    finish(interrupted=False)
    return summary


def _remove_staging(tasks: list[CutTask]) -> None:
    """Remove what killed workers left: staging folders, and output folders they created and left empty."""
    import shutil

    for task in tasks:
        folder = Path(task.out_dir)
        if not folder.is_dir():
            continue
        for staging in folder.glob(".paintmatch-*"):
            if staging.is_dir():
                shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            folder.rmdir()  # only if empty


def _write_json(path: Path, obj: Any) -> None:
    """``paintmatch.io.write_json``, with a full disk or a read-only folder as an ``InputError`` naming the file."""
    from paintmatch.io import write_json

    try:
        write_json(path, obj)
    except OSError as error:
        raise os_input_error(path, error) from None


def _attempts(client, keys: list[str], retries: int) -> dict[str, tuple[int, int]]:
    """Task key -> (times run again, times its worker died), from the scheduler's task states.

    Empty if the scheduler cannot be asked (a remote one that refuses ``run_on_scheduler``).
    """

    def inspect(dask_scheduler=None, keys=keys):  # runs in the scheduler
        found = {}
        for key in keys:
            ts = dask_scheduler.tasks.get(key)
            if ts is not None:
                found[key] = (int(ts.retries), int(ts.suspicious))
        return found

    try:
        states = client.run_on_scheduler(inspect)
    except Exception as error:  # noqa: BLE001 - only the summary's retry counts are lost
        log.debug("cannot read the retry counts from the scheduler: %s", error)
        return {}
    return {key: (max(0, retries - left) + died, died) for key, (left, died) in states.items()}


def _on_terminal() -> bool:
    import sys

    return hasattr(sys.stderr, "isatty") and sys.stderr.isatty()


def _run_tasks(
    client,
    todo: list[CutTask],
    options: ColorizeOptions,
    rows: dict[str, dict[str, Any]],
    manifest: dict[str, Any],
    inputs: dict[str, dict[str, str]],
    settings: dict[str, Any],
    out_dir: Path,
    progress: bool,
    retries: int,
    run_id: str,
    stop_file: Path,
) -> None:
    """Submit one task per cut and record each result as it arrives (manifest saved after each).

    On Ctrl-C (or any exception here) the stop file is written first, so that no running task
    replaces its output folder's files any more, then the cuts already finished are recorded.
    """
    from distributed import as_completed
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    client.register_plugin(PaintmatchWorkerPlugin(options))
    futures = {
        client.submit(colorize_task, task, options, key=f"paintmatch-cut-{run_id}-{i}", retries=retries, pure=False): task
        for i, task in enumerate(todo)
    }
    recorded: set[str] = set()

    def record(future, *, attempts: dict[str, tuple[int, int]] | None = None, timeout: float | None = None) -> dict[str, Any]:
        task = futures[future]
        try:
            row = future.result(timeout=timeout)
        except Exception as error:  # crashed after every retry, or its workers kept dying
            reason = f"{type(error).__name__}: {error}"
            row = asdict(_Row(cut=task.name, status="failed", error=reason))
        if attempts is None:
            attempts = _attempts(client, [future.key], retries)
        row["retries"], row["worker_died"] = attempts.get(future.key, (0, 0))
        if row["worker_died"]:
            log.warning("cut %s: a worker died while coloring it (%d time(s)); it was run again", task.name, row["worker_died"])
        outputs = row.pop("outputs")
        rows[task.name] = row
        recorded.add(task.name)
        if row["status"] == "ok":
            manifest["cuts"][task.name] = {
                "settings": settings,
                "inputs": inputs[task.name],
                "outputs": outputs,
                "frames": row["frames"],
                "seconds": row["seconds"],
                "mean_confidence": row["mean_confidence"],
                "next_to_color": row["next_to_color"],
                "warnings": row["warnings"],
                "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            }
            _write_json(out_dir / MANIFEST_FILE, manifest)
        else:
            log.info("cut %s failed: %s", task.name, row["error"])
        return row

    bar_on = progress and _on_terminal()  # a bar on a terminal; a log line per cut elsewhere
    try:
        with logging_redirect_tqdm(), tqdm(total=len(futures), unit="cut", desc="batch", disable=not bar_on) as bar:
            for done, future in enumerate(as_completed(futures, loop=client.loop), start=1):
                row = record(future)
                if bar_on:
                    bar.set_postfix_str(row["cut"])
                    bar.update(1)
                elif progress:
                    log.info("cut %s %s (%d/%d)", row["cut"], "done" if row["status"] == "ok" else "failed", done, len(futures))
                future.release()
    except BaseException:
        _interrupted(stop_file, futures, recorded, record)
        raise


def _interrupted(stop_file: Path, futures: dict, recorded: set[str], record) -> None:
    """Stop the running cut tasks (stop file) and record the cuts that had already finished."""
    try:
        stop_file.touch()
    except OSError as error:
        log.warning("cannot write the stop file %s (%s): running cuts may still finish", stop_file, error)
    for future, task in futures.items():
        if task.name in recorded or future.status != "finished":
            continue
        try:
            record(future, attempts={}, timeout=2)
        except BaseException as error:  # noqa: BLE001 - best effort while interrupted
            log.debug("cut %s not recorded while interrupted: %s", task.name, error)
