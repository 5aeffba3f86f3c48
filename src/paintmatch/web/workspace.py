"""The workspace on disk: cuts, their coloring results, the painter's corrections and undo history.

Layout (``W`` is the workspace folder)::

    W/<cut>/line/*.png|tga|tif|jpg  input line art (never modified; a link leading outside W is refused)
    W/<cut>/gt/*.png|tga|tif|jpg    input colored frames (never modified)
    W/.paintmatch/cuts/<cut>/state.json        settings, corrections, undo/redo history, revision
    W/.paintmatch/cuts/<cut>/results/<f>.json  per frame: component colors, matches, confidences
    W/.paintmatch/cuts/<cut>/colored/<f>.png   frames the painter made colored frames in the page (their
                                               result, fixes included): colored frames beside gt/'s
    W/.paintmatch/cuts/<cut>/lock              lock file (flock) held while the cut changes
    W/.paintmatch/exports/                     zip files of exported cuts

The painter's gap edits are stored per frame in ``state.json`` as ``gap_edits: {frame: {"added":
[[x0, y0, x1, y1], ...], "removed": [[...], ...]}}`` (closing strokes drawn by hand, automatic
closures removed): every segmentation of that frame (reload, colorize, re-propagation, undo) passes
them to ``paintmatch.segment.segment`` unchanged, so its components are the same every time.

Corrections are stored as frame name -> component id -> color, with the component's centroid: the
segmentation is deterministic, so ids are stable while the line frame is unchanged, and the centroid
check drops a correction whose line frame was edited since. Every write is atomic
(``paintmatch.io.write_json``). Each cut has one ``CutLock`` (a threading lock plus a lock file), so
two browser tabs, or two servers on the same workspace, cannot interleave changes.
"""

from __future__ import annotations

import copy
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import unicodedata
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from paintmatch.errors import InputError
from paintmatch.match import Frame, Matching
from paintmatch.match.memo import MatchMemo
from paintmatch.paint import color_hex
from paintmatch.web.errors import ApiError

try:  # POSIX advisory file locks; elsewhere only the in-process lock applies
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "SAFE_NAME",
    "is_safe_name",
    "check_name",
    "inside",
    "parse_color",
    "color_hex",
    "CutLock",
    "FrameState",
    "CutStore",
    "Workspace",
]

log = logging.getLogger("paintmatch.web")

SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
"""Names the server gives uploaded frame files; cut names may be any ``is_safe_name``."""

MAX_NAME_LENGTH = 100
# Unicode categories refused in names: control, format (bidi overrides, zero-width), surrogate (bytes that
# are not UTF-8), private use, unassigned, line and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})

STATE_VERSION = 1
MAX_GAP_EDITS = 500  # hand edits per frame
SAME_CLOSURE_PX = 3.0  # two closures are the same when their ends lie this close (segment's own rule)
CENTROID_TOLERANCE = 3.0  # pixels: a correction's component must still be where it was
LOCK_TIMEOUT = 5.0  # seconds an edit waits for a busy cut before answering 409
Progress = Callable[[int, int, str], None]


def is_safe_name(name: str) -> bool:
    """Whether ``name`` can name a cut folder: one path component, any language, spaces allowed.

    Refused: empty or blank names, more than 100 characters, a leading dot (hidden folders, ``.``,
    ``.paintmatch``), ``..`` anywhere, ``/`` or ``\\``, and control, format (bidirectional overrides,
    zero-width), private-use, unassigned or surrogate characters (names that are not valid UTF-8 on disk).

    >>> is_safe_name("c001 v2"), is_safe_name("カット01"), is_safe_name("../x"), is_safe_name("a" + chr(0))
    (True, True, False, False)
    """
    if not name or not name.strip() or len(name) > MAX_NAME_LENGTH or name.startswith(".") or ".." in name:
        return False
    return not any(char in "/\\" or unicodedata.category(char) in _REFUSED_CATEGORIES for char in name)


def check_name(name: str, what: str) -> str:
    """Return ``name`` if it is a safe cut or frame name (``is_safe_name``), else raise ``ApiError`` 400.

    >>> check_name("cut-01", "cut"), check_name("カット 01", "cut")
    ('cut-01', 'カット 01')
    """
    if not is_safe_name(name):
        raise ApiError(
            400,
            f"bad_{what}_name",
            f"{what} name {name!r} is not allowed: one folder name of at most {MAX_NAME_LENGTH} characters "
            "(any language, spaces allowed), not starting with a dot, without '..', '/', '\\' or control "
            "characters",
        )
    return name


def inside(root: Path, *parts: str) -> Path:
    """``root / parts...`` resolved (symbolic links followed), refused unless it stays inside ``root``.

    Raises
    ------
    ApiError
        403 ``outside_workspace`` when the resolved path leaves ``root``.
    """
    base = root.resolve()
    path = base.joinpath(*parts).resolve()
    if path != base and base not in path.parents:
        raise ApiError(403, "outside_workspace", "that path leads outside the workspace; only cuts inside it can be used")
    return path


def parse_color(value: str) -> tuple[int, int, int, int]:
    """``#rrggbb`` or ``#rrggbbaa`` -> RGBA tuple (alpha 255 when not given).

    >>> parse_color("#ff8000"), parse_color("#00000000")
    ((255, 128, 0, 255), (0, 0, 0, 0))
    """
    match = re.fullmatch(r"#([0-9a-fA-F]{6})([0-9a-fA-F]{2})?", value or "")
    if not match:
        raise ApiError(400, "bad_color", f"color {value!r} is not #rrggbb or #rrggbbaa")
    rgb, alpha = match.groups()
    return (int(rgb[0:2], 16), int(rgb[2:4], 16), int(rgb[4:6], 16), int(alpha, 16) if alpha else 255)


class CutLock:
    """Exclusive access to one cut: a threading lock (tabs of this server) and a lock file (other servers).

    Parameters
    ----------
    path : Path
        The lock file (created if missing; its content is never used).
    """

    def __init__(self, path: Path):
        self.path = path
        self._thread_lock = threading.Lock()

    @contextmanager
    def hold(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the cut for the ``with`` block; ``ApiError`` 409 ``cut_busy`` after ``timeout`` seconds
        (default ``LOCK_TIMEOUT``)."""
        timeout = LOCK_TIMEOUT if timeout is None else timeout
        busy = ApiError(
            409, "cut_busy", "the cut is being changed (a colorize or re-propagate job, or another tab); try again when it is done"
        )
        if not self._thread_lock.acquire(timeout=timeout):
            raise busy
        handle = None
        try:
            if fcntl is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                handle = open(self.path, "a+")
                deadline = time.monotonic() + timeout
                while True:
                    try:
                        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise busy from None
                        time.sleep(0.05)
            yield
        finally:
            if handle is not None:
                handle.close()  # closing the descriptor releases the flock
            self._thread_lock.release()


@dataclass
class FrameState:
    """One colored frame held in memory.

    Attributes
    ----------
    frame : Frame
        Line art and segmentation (``frame.seg.labels`` (H, W) int32, -1 on lines).
    matching : Matching
        Colors (n, 4) uint8, confidence (n,) float32, reference component (n,) int32, stage (n,) uint8.
    reference_name : str
        The frame it was colored from (itself for a colored input frame).
    is_reference : bool
        True for a frame with a colored input in ``gt/``.
    passed_through : str or None
        Why the frame was written through as drawn, uncolored (``paintmatch.cut.PASS_DESCRIPTIONS``' keys, as the
        sidecar's ``reason``: no lines, no closed region, too many regions); None for a frame with components.
    paint_off_lines : float or None
        For a colored input frame, how far its paint changes where its line frame has no line
        (``paintmatch.cut.FrameResult.paint_off_lines``; over ``MISFIT_SHARE`` it does not fit them); None otherwise.
    """

    frame: Frame
    matching: Matching
    reference_name: str
    is_reference: bool
    passed_through: str | None = None
    paint_off_lines: float | None = None

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready copy of the colors, confidences, matches and stages (and ``paint_off_lines``)."""
        m = self.matching
        return {
            "reference": self.reference_name,
            "paint_off_lines": self.paint_off_lines,
            "colors": [color_hex(c) for c in m.colors],
            "confidence": [round(float(c), 4) for c in m.confidence],
            "ref_index": m.ref_index.astype(int).tolist(),
            "stage": m.stage.astype(int).tolist(),
        }

    def restore(self, snap: dict[str, Any]) -> None:
        """Set the colors, confidences, matches and stages from ``snapshot()``'s output."""
        n = self.frame.n
        if len(snap["colors"]) != n:
            raise InputError(f"saved colors of frame {self.frame.name} have {len(snap['colors'])} components, the frame has {n}")
        self.matching = Matching(
            ref_index=np.asarray(snap["ref_index"], dtype=np.int32),
            colors=np.asarray([parse_color(c) for c in snap["colors"]], dtype=np.uint8).reshape(n, 4),
            confidence=np.asarray(snap["confidence"], dtype=np.float32),
            stage=np.asarray(snap["stage"], dtype=np.uint8),
        )
        self.reference_name = snap.get("reference", self.reference_name)
        self.paint_off_lines = snap.get("paint_off_lines", self.paint_off_lines)


def _default_state() -> dict[str, Any]:
    return {
        "version": STATE_VERSION,
        "revision": 0,
        "settings": {"method": None, "line_mode": "keep", "close_gaps": "auto"},
        "corrections": {},
        "gap_edits": {},
        "undo": [],
        "redo": [],
    }


class CutStore:
    """One cut of the workspace: its inputs, results, corrections and history.

    All changes go through methods that hold the cut's ``CutLock``; reads of a consistent state may
    happen at any time (the in-memory objects are replaced, never half-updated).

    Parameters
    ----------
    root : Path
        The cut folder (with ``line/`` and ``gt/``).
    state_dir : Path
        Where this cut's state lives (``<workspace>/.paintmatch/cuts/<cut>``).
    history_limit : int
        Undo steps kept.
    workspace : Path, optional
        The workspace folder (default: the cut folder's parent). A frame file that is a link leading
        outside it is refused (403 ``outside_workspace``), when the cut is opened and at every read.
    match_memo : MatchMemo, optional
        Segmentations and matches kept between colorize runs (the workspace's, shared by its cuts; default a new one).
    """

    def __init__(self, root: Path, state_dir: Path, *, history_limit: int = 30, workspace: Path | None = None,
                 match_memo: MatchMemo | None = None):
        self.name = root.name
        self.root = root
        self.workspace = (workspace or root.parent).resolve()
        self.state_dir = state_dir
        self.results_dir = state_dir / "results"
        self.history_limit = history_limit
        self.lock = CutLock(state_dir / "lock")
        self.made_dir = state_dir / "colored"
        self.files = self._read_files()
        self.names = self.files.names
        self._frames: dict[str, FrameState] = {}
        self._frames_lock = threading.Lock()
        self._palettes: dict[str, tuple[tuple[int, int], Any, list[tuple[str, int]]]] = {}  # name -> (file stamp, seg, palette)
        self.match_memo = match_memo or MatchMemo()  # earlier colorize runs' segmentations and matches (``colorize``)
        self.state = self._read_state()

    # ------------------------------------------------------------------ state on disk

    def _read_state(self) -> dict[str, Any]:
        import json

        path = self.state_dir / "state.json"
        if not path.exists():
            return _default_state()
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ApiError(
                500, "state_unreadable", f"{path} cannot be read ({error}); move it away to start this cut afresh"
            ) from None
        base = _default_state()
        base.update(state)
        return base

    def _write_state(self) -> None:
        from paintmatch.io import write_json

        write_json(self.state_dir / "state.json", self.state, indent=None)

    def _bump(self) -> None:
        self.state["revision"] = int(self.state["revision"]) + 1

    @property
    def revision(self) -> int:
        """Counter increased by every change (clients send it back to detect a stale view)."""
        return int(self.state["revision"])

    def check_revision(self, base_revision: int | None) -> None:
        """Raise 409 ``stale_revision`` when a client acted on an older state than the current one."""
        if base_revision is not None and base_revision != self.revision:
            raise ApiError(
                409,
                "stale_revision",
                f"the cut changed since you loaded it (revision {base_revision}, now {self.revision}); reload and retry",
            )

    # ------------------------------------------------------------------ frames

    @property
    def colored_names(self) -> list[str]:
        """Names of the colored frames: those in ``gt/`` and those made in the page (``made_colored_names``)."""
        return [name for name in self.names if name in self.files.colored]

    @property
    def made_colored_names(self) -> list[str]:
        """Names of the frames made colored frames in the page (``make_colored``; removable, unlike ``gt/``'s)."""
        return [name for name in self.colored_names if self.files.colored[name].parent == self.made_dir]

    def make_colored(self, frame_name: str, *, image: np.ndarray | None = None, base_revision: int | None = None) -> None:
        """Make a colored frame of ``frame_name``: ``image`` (a colored frame painted elsewhere, uploaded), else its
        current result (the painter's fixes included), is written to ``made_dir`` and read as one of the cut's
        colored frames from now on. Colorize the cut again to use it.

        Raises
        ------
        ApiError
            409 ``already_colored`` for a colored frame; 409 ``not_colorized`` without ``image`` before the cut is colored.
        """
        from paintmatch.io import write_image
        from paintmatch.paint import paint

        with self.lock.hold():
            self.check_revision(base_revision)
            self.index_of(frame_name)
            if frame_name in self.files.colored:
                raise ApiError(409, "already_colored", f"frame {frame_name} of cut {self.name} is a colored frame already")
            if image is None:
                state = self.frame_state(frame_name)
                image = paint(state.frame, state.matching).image
            write_image(self.made_dir / f"{frame_name}.png", image)  # atomic: never half a frame
            self._colored_frames_changed()

    def unmake_colored(self, frame_name: str, *, base_revision: int | None = None) -> None:
        """Undo ``make_colored``: the frame is colored from the others again at the next colorize.

        Raises
        ------
        ApiError
            409 ``not_made_here`` for a frame that is not a colored frame made in the page (``gt/``'s stay).
        """
        with self.lock.hold():
            self.check_revision(base_revision)
            self.index_of(frame_name)
            if frame_name not in self.made_colored_names:
                what = "a colored input in gt/, which the page never changes" if frame_name in self.files.colored else "not a colored frame"
                raise ApiError(409, "not_made_here", f"frame {frame_name} of cut {self.name} is {what}")
            (self.made_dir / f"{frame_name}.png").unlink()
            self._colored_frames_changed()

    def _read_files(self):  # noqa: ANN202 - CutFiles
        """The cut's files as read now (``_reread``): its line frames, ``gt/``'s colored frames and those in ``made_dir``."""
        return _reread(self.root, self.workspace, self.made_dir)

    def _colored_frames_changed(self) -> None:
        """After ``made_dir`` changed (under the lock): read the colored frames again, a new revision."""
        self.files = self._read_files()
        self._bump()
        self._write_state()

    def frame_path(self, frame_name: str, *, colored: bool = False) -> Path:
        """The line (or colored) frame file of ``frame_name``, checked to lie inside the workspace.

        Raises
        ------
        ApiError
            404 ``frame_not_found``; 403 ``outside_workspace`` for a link leading outside the workspace.
        """
        self.index_of(frame_name)
        if colored:
            if frame_name not in self.files.colored:
                raise ApiError(404, "frame_not_found", f"cut {self.name} has no colored frame {frame_name!r}")
            path = self.files.colored[frame_name]
        else:
            path = self.files.line_path(frame_name)
        _check_inside(path, self.workspace, self.name)
        return path

    def index_of(self, frame_name: str) -> int:
        """Position of a frame in the cut; ``ApiError`` 404 for an unknown name."""
        try:
            return self.names.index(frame_name)
        except ValueError:
            raise ApiError(404, "frame_not_found", f"cut {self.name} has no frame {frame_name!r}") from None

    def has_results(self) -> bool:
        """Whether every frame has a coloring result."""
        return all((self.results_dir / f"{name}.json").exists() or name in self._frames for name in self.names)

    @property
    def close_gaps(self) -> int | str:
        """The cut's gap closing setting: ``"auto"``, ``"off"`` or a trapped-ball radius (old states: an int)."""
        value = self.state["settings"].get("close_gaps", "auto")
        return 0 if value is None else value

    def _segment(self, frame_name: str) -> tuple[Frame, str | None]:
        """The frame segmented with the cut's setting and its gap edits; why it cannot be colored, or None.

        A colored input frame is read through its paint as ``colorize_frames`` reads it (its regions
        split where two palette colors meet without a line: ``paintmatch.segment.split_by_paint``).
        """
        from paintmatch.cut import ColorizeOptions, segment_frame
        from paintmatch.io import read_image

        line = read_image(self.frame_path(frame_name))
        frame, reason = segment_frame(line, frame_name, self.close_gaps, edits=self.gap_edits().get(frame_name))
        if reason is None and frame_name in self.files.colored and ColorizeOptions().split_by_paint:
            from paintmatch.segment import split_by_paint

            split = split_by_paint(frame.seg, read_image(self.frame_path(frame_name, colored=True), painted=True))
            if split is not frame.seg:
                frame = Frame(line=frame.line, seg=split, name=frame_name)
        return frame, reason

    def frame_state(self, frame_name: str) -> FrameState:
        """The coloring result of a frame (loaded from disk on first use).

        Raises
        ------
        ApiError
            404 ``frame_not_found``, or 409 ``not_colorized`` when the cut has not been colored yet.
        """
        self.index_of(frame_name)
        with self._frames_lock:
            if frame_name in self._frames:
                return self._frames[frame_name]
        path = self.results_dir / f"{frame_name}.json"
        if not path.exists():
            raise ApiError(409, "not_colorized", f"cut {self.name} is not colorized yet: colorize it first")
        import json

        saved = json.loads(path.read_text(encoding="utf-8"))
        frame, reason = self._segment(frame_name)
        state = FrameState(frame, _empty_matching(), saved.get("reference", frame_name), bool(saved.get("is_reference")),
                           reason)
        try:
            state.restore(saved)
        except InputError:
            raise ApiError(409, "not_colorized", f"frame {frame_name} changed since it was colored: colorize the cut again") from None
        state.frame = frame.with_colors(state.matching.colors)
        with self._frames_lock:
            self._frames[frame_name] = state
        return state

    def _store_frame(self, frame_name: str, state: FrameState) -> None:
        from paintmatch.io import write_json

        state.frame = state.frame.with_colors(state.matching.colors)
        record = state.snapshot()
        record["is_reference"] = state.is_reference
        write_json(self.results_dir / f"{frame_name}.json", record, indent=None)
        with self._frames_lock:
            self._frames[frame_name] = state

    # ------------------------------------------------------------------ corrections

    def corrections(self) -> dict[str, dict[str, Any]]:
        """Frame name -> component id (str) -> ``{"color": "#rrggbbaa", "centroid": [x, y]}``."""
        return self.state["corrections"]

    def gap_edits(self) -> dict[str, dict[str, list[list[int]]]]:
        """Frame name -> ``{"added": [[x0, y0, x1, y1], ...], "removed": [...]}`` (the painter's gap edits)."""
        return self.state.setdefault("gap_edits", {})

    def _remap_corrections(self, frame_name: str, seg) -> list[str]:  # noqa: ANN001 - Segmentation
        """After a new segmentation of a frame: move each correction to the component now at its centroid
        (within ``CENTROID_TOLERANCE``), drop the ones whose component changed; returns what was dropped."""
        comps = self.corrections().get(frame_name)
        if not comps:
            return []
        moved, dropped = {}, []
        for comp, entry in comps.items():
            distance = np.hypot(*(seg.centroids - np.asarray(entry["centroid"], dtype=np.float64)).T) if seg.n else np.zeros(0)
            best = int(np.argmin(distance)) if distance.size else -1
            if best >= 0 and float(distance[best]) <= CENTROID_TOLERANCE and str(best) not in moved:
                moved[str(best)] = {"color": entry["color"], "centroid": [round(float(v), 2) for v in seg.centroids[best]]}
            else:
                dropped.append(f"{frame_name}:{comp}")
        if moved:
            self.corrections()[frame_name] = moved
        else:
            self.corrections().pop(frame_name, None)
        return dropped

    def _overrides(self) -> dict[str, dict[int, tuple[int, ...]]]:
        return {
            frame: {int(comp): parse_color(entry["color"]) for comp, entry in comps.items()}
            for frame, comps in self.corrections().items()
        }

    def _drop_stale_corrections(self, states: dict[str, FrameState]) -> list[str]:
        """Remove corrections whose component no longer exists at its centroid; returns what was dropped."""
        dropped = []
        for frame_name, comps in list(self.corrections().items()):
            state = states.get(frame_name)
            if state is None:
                continue
            seg = state.frame.seg
            for comp, entry in list(comps.items()):
                c = int(comp)
                ok = c < seg.n and float(np.hypot(*(seg.centroids[c] - np.asarray(entry["centroid"])))) <= CENTROID_TOLERANCE
                if not ok:
                    del comps[comp]
                    dropped.append(f"{frame_name}:{comp}")
            if not comps:
                del self.corrections()[frame_name]
        return dropped

    # ------------------------------------------------------------------ actions

    def colorize(self, *, method: str | None, line_mode: str, close_gaps: int | str = "auto", progress: Progress | None = None) -> dict[str, Any]:
        """Color every frame from the colored inputs, keeping every locked correction and gap edit.

        Runs under the cut's lock (call it from a job thread). Clears the undo history. Frames with
        gap edits are segmented with their edits (``colorize_frames``'s ``gap_edits``). The segmentations and matches
        of earlier runs in this server are reused where their frames and colors are the same (``match_memo``, the
        workspace's): after **Make colored frame**, only the new colored frame's chains are matched.

        Returns
        -------
        dict
            ``{"frames": n, "dropped_corrections": [...]}``.
        """
        from paintmatch.cut import DEFAULT_METHOD, ColorizeOptions, colorize_frames
        from paintmatch.io import read_image

        options = ColorizeOptions(method=method or DEFAULT_METHOD, line_mode=line_mode, close_gaps=close_gaps)
        options.validate()
        with self.lock.hold(timeout=60):
            self.files = self._read_files()
            self.names = self.files.names
            self.state["settings"] = {"method": options.method, "line_mode": line_mode, "close_gaps": close_gaps}
            index = {name: i for i, name in enumerate(self.names)}
            colored = {index[name]: read_image(path, painted=True) for name, path in self.files.colored.items()}
            dropped: list[str] = []
            for _attempt in range(2):
                overrides = {index[f]: v for f, v in self._overrides().items() if f in index}
                states = {}  # streamed: each frame's state kept without its painted images or feature cache
                colorize_frames(
                    list(self.files.line), colored, names=self.names, options=options, overrides=overrides,
                    progress=progress, sink=lambda r: states.__setitem__(r.name, _state_of(r)),
                    gap_edits={index[f]: edits for f, edits in self.gap_edits().items() if f in index},
                    memo=self.match_memo,
                )
                newly = self._drop_stale_corrections(states)
                dropped += newly
                if not newly:
                    break
            with self._frames_lock:
                self._frames.clear()
            for name, state in states.items():
                self._store_frame(name, state)
            self.state["undo"], self.state["redo"] = [], []
            self._bump()
            self._write_state()
        if dropped:
            log.warning("cut %s: dropped corrections whose line art changed: %s", self.name, ", ".join(dropped))
        return {"frames": len(self.names), "dropped_corrections": dropped}

    def set_color(self, frame_name: str, component: int, rgba: tuple[int, ...], *, base_revision: int | None = None) -> None:
        """Give one component a color and lock it (a correction); only this frame changes."""
        with self.lock.hold():
            self.check_revision(base_revision)
            state = self.frame_state(frame_name)
            if not 0 <= component < state.frame.n:
                raise ApiError(404, "component_not_found", f"frame {frame_name} has no component {component} (it has {state.frame.n})")
            before = self._capture([frame_name])
            matching = copy.deepcopy(state.matching)
            matching.colors[component] = rgba
            matching.confidence[component] = 1.0
            matching.stage[component] = 3
            matching.ref_index[component] = -1
            self.corrections().setdefault(frame_name, {})[str(component)] = {
                "color": color_hex(rgba),
                "centroid": [round(float(v), 2) for v in state.frame.seg.centroids[component]],
            }
            self._store_frame(frame_name, FrameState(state.frame, matching, state.reference_name, state.is_reference,
                                                     state.passed_through, state.paint_off_lines))
            self._push(f"color {frame_name}#{component}", before, self._capture([frame_name]))

    def descendants(self, frame_name: str) -> list[str]:
        """Frames colored (directly or through others) from ``frame_name``, nearest first."""
        from paintmatch.cut import propagation_plan

        k = self.index_of(frame_name)
        index = {name: i for i, name in enumerate(self.names)}
        source = {t: s for t, s, _ in propagation_plan(len(self.names), [index[n] for n in self.colored_names])}
        found = []
        for target in sorted(source, key=lambda t: abs(t - k)):
            chain = target
            while chain in source and chain != k:
                chain = source[chain]
            if chain == k and target != k:
                found.append(self.names[target])
        return found

    def propagate(self, frame_name: str, *, progress: Progress | None = None) -> dict[str, Any]:
        """Recolor the frames after ``frame_name`` (in propagation order) from its current colors.

        The corrected frame is the reference; every locked correction of the recolored frames is kept.

        Each frame is segmented as stored (with its gap edits) and matched from its neighbour towards
        ``frame_name`` (``paintmatch.cut.propagation_plan``), the way ``colorize_frames`` does.

        Returns
        -------
        dict
            ``{"frames": [names recolored]}``.
        """
        from paintmatch.cut import propagation_plan

        with self.lock.hold(timeout=60):
            k_state = self.frame_state(frame_name)
            later = self.descendants(frame_name)
            if not later:
                return {"frames": []}
            states = {name: self.frame_state(name) for name in later}  # all must be colored: 409 otherwise
            states[frame_name] = k_state
            names = [self.names[i] for i in sorted(self.index_of(n) for n in states)]
            plan = propagation_plan(len(names), [names.index(frame_name)])
            self._run_plan(
                [(names[t], names[s], names[a]) for t, s, a in plan], states, self._matcher(), progress=progress
            )
            before = self._capture(later)
            for name in later:
                self._store_frame(name, states[name])
            self._push(f"re-propagate from {frame_name}", before, self._capture(later))
        return {"frames": later}

    # ------------------------------------------------------------------ gap edits

    def _matcher(self):  # noqa: ANN202 - paintmatch.match.Matcher
        from paintmatch.cut import DEFAULT_METHOD
        from paintmatch.match import get_matcher

        return get_matcher(self.state["settings"].get("method") or DEFAULT_METHOD)

    def _reference_state(self, name: str, frame: Frame, reason: str | None, colored: np.ndarray) -> FrameState:
        """A colored input frame read through its (re-)segmentation, as ``colorize_frames`` reads it."""
        from paintmatch.segment import reference_colors

        if reason:
            return FrameState(frame, _empty_matching(), "", True, reason)
        n = frame.n
        matching = Matching(
            ref_index=np.arange(n, dtype=np.int32),
            colors=reference_colors(colored, frame.seg).copy(),
            confidence=np.ones(n, np.float32),
            stage=np.full(n, 3, np.uint8),
        )
        _lock_colors(matching, self._overrides().get(name))
        return FrameState(frame, matching, name, True)

    def _run_plan(
        self,
        plan: list[tuple[str, str, str]],
        states: dict[str, FrameState],
        matcher,  # noqa: ANN001 - paintmatch.match.Matcher
        *,
        redo: set[str] | None = None,
        follow: bool = True,
        redone: set[str] | None = None,
        resegment: set[str] | frozenset[str] = frozenset(),
        progress: Progress | None = None,
    ) -> list[str]:
        """Match the targets of ``plan`` (``(target, source, anchor)`` names, in order of work) again.

        Each target is matched from the last usable frame of its chain (a frame with no component is
        passed through and skipped as a source, as in ``paintmatch.cut.colorize_frames``), with the
        locked corrections applied. ``redo``: only these targets (None: all); ``follow``: also every
        target whose source or anchor was matched again (or is in ``redone``). Targets in ``resegment``
        are segmented again (with their gap edits); the others keep the segmentation in ``states``.
        ``states`` is updated in place; returns the targets matched.
        """
        overrides = self._overrides()
        redone = set(redone or ())
        front: dict[tuple[str, bool], str] = {}
        done: list[str] = []
        for target, _source, anchor in plan:
            chain = (anchor, self.index_of(target) > self.index_of(anchor))
            used = front.get(chain, anchor)
            old = states[target]
            wanted = redo is None or target in redo or (follow and bool({used, anchor} & redone))
            if not wanted:
                if old.frame.n:
                    front[chain] = target
                continue
            reason = old.passed_through
            if target in resegment:
                frame, reason = self._segment(target)
            else:
                frame = Frame(line=old.frame.line, seg=old.frame.seg, name=target, cache=old.frame.cache)
            if frame.n == 0:
                states[target] = FrameState(frame, _empty_matching(), "", old.is_reference, reason)
            else:
                source, anchor_state = states[used], states[anchor]
                matching = _match(
                    matcher,
                    source.frame.with_colors(source.matching.colors),
                    frame,
                    anchor_state.frame.with_colors(anchor_state.matching.colors),
                    same=used == anchor,
                )
                _lock_colors(matching, overrides.get(target))
                states[target] = FrameState(frame, matching, used, old.is_reference)
                front[chain] = target
            redone.add(target)
            done.append(target)
            if progress:
                progress(len(done), len(plan), target)
        return done

    def _recolored(self, frame_name: str) -> FrameState:
        """``frame_name`` segmented with its gap edits and colored again from its reference (a colored
        input frame: from its colored frame); the locked corrections still at their place are kept. With two colored
        frames or more, it is matched from every other one's side too and merged, as ``colorize_frames`` colors it
        (``merge_sides``, nearest side first)."""
        from paintmatch.cut import merge_sides, propagation_plan
        from paintmatch.io import read_image

        frame, reason = self._segment(frame_name)
        self._remap_corrections(frame_name, frame.seg)
        if frame_name in self.files.colored:
            state = self._reference_state(frame_name, frame, reason, read_image(self.frame_path(frame_name, colored=True), painted=True))
            state.paint_off_lines = self.frame_state(frame_name).paint_off_lines  # the same paint on the same drawing
            return state
        states = {name: self.frame_state(name) for name in self.names}
        usable = [i for i, name in enumerate(self.names) if name in self.files.colored and states[name].frame.n]
        if reason or not usable:
            return FrameState(frame, _empty_matching(), "", False, reason)
        states[frame_name] = FrameState(frame, _empty_matching(), "", False)
        plan = [(self.names[t], self.names[s], self.names[a]) for t, s, a in propagation_plan(len(self.names), usable)]
        matcher = self._matcher()
        self._run_plan(plan, states, matcher, redo={frame_name}, follow=False)
        nearer = states[frame_name]
        if nearer.frame.n == 0:
            return nearer
        merged = nearer.matching
        for other in self._other_sides_matches(frame_name, frame, states, usable, matcher):
            merged = merge_sides(merged, other)
        return FrameState(frame, merged, nearer.reference_name, False)

    def _other_sides_matches(self, frame_name: str, frame: Frame, states: dict[str, FrameState], usable: list[int],
                             matcher) -> list[Matching]:  # noqa: ANN001 - paintmatch.match.Matcher
        """A frame matched by the chain of each other colored frame ``colorize_frames`` colors it from (``key_chains``:
        every colored frame but the nearest, nearest first), each from its neighbour towards that frame and anchored on
        it; none with fewer than two colored frames. The neighbour's colors are its current ones (the page keeps no
        chain of one colored frame only); a neighbour that is another colored frame is passed over (its colors are the
        painter's, not that chain's: ``colorize_frames``' chain crosses it with colors of its own)."""
        from paintmatch.cut import ColorizeOptions, colored_sides

        if not ColorizeOptions().both_keys:
            return []
        k = self.index_of(frame_name)
        locked = self._overrides().get(frame_name)
        matchings = []
        for farther in colored_sides(k, usable)[1:]:
            step = 1 if farther > k else -1
            source = k + step
            while source != farther and (states[self.names[source]].frame.n == 0 or source in usable):
                source += step  # blank frames are no source, other colored frames not this chain's
            source_state, anchor_state = states[self.names[source]], states[self.names[farther]]
            matching = _match(matcher, source_state.frame.with_colors(source_state.matching.colors), frame,
                              anchor_state.frame.with_colors(anchor_state.matching.colors), same=source == farther)
            _lock_colors(matching, locked)
            matchings.append(matching)
        return matchings

    def gaps(self, frame_name: str) -> dict[str, Any]:
        """The closures of a frame: automatic ones in effect, and the painter's added and removed ones."""
        state = self.frame_state(frame_name)
        edits = self.gap_edits().get(frame_name) or {}
        added, removed = edits.get("added", []), edits.get("removed", [])
        drawn = state.frame.seg.closure_segments.astype(int).tolist()
        return {
            "cut": self.name,
            "frame": frame_name,
            "revision": self.revision,
            "close_gaps": self.close_gaps,
            "automatic": drawn[: max(0, len(drawn) - len(added))],
            "added": copy.deepcopy(added),
            "removed": copy.deepcopy(removed),
            "components": state.frame.n,
        }

    def edit_gaps(
        self,
        frame_name: str,
        *,
        add: list[int] | None = None,
        remove: list[int] | None = None,
        clear: bool = False,
        base_revision: int | None = None,
    ) -> str:
        """Close a gap by hand (``add``), open a closure (``remove``) or drop the frame's gap edits
        (``clear``); the frame is segmented and colored again. An undoable step; returns its label.

        Raises
        ------
        ApiError
            400 ``bad_closure`` / ``outside_frame`` / ``too_many_closures``, 404 ``closure_not_found``
            (nothing to remove there), 409 ``closure_exists``, ``no_gap_edits``, ``stale_revision``.
        """
        if sum(x is not None for x in (add, remove)) + bool(clear) != 1:
            raise ApiError(400, "bad_closure", "give exactly one of 'add' or 'remove' (x0, y0, x1, y1)")
        with self.lock.hold():
            self.check_revision(base_revision)
            state = self.frame_state(frame_name)
            edits = copy.deepcopy(self.gap_edits().get(frame_name) or {"added": [], "removed": []})
            edits.setdefault("added", [])
            edits.setdefault("removed", [])
            if clear:
                if not (edits["added"] or edits["removed"]):
                    raise ApiError(409, "no_gap_edits", f"frame {frame_name} has no gap edits to clear")
                edits = {"added": [], "removed": []}
                label = f"clear gap edits of {frame_name}"
            elif add is not None:
                closure = _check_closure(add, state.frame.seg.shape)
                if _find_closure(edits["removed"], closure) is not None:
                    del edits["removed"][_find_closure(edits["removed"], closure)]
                elif _find_closure(edits["added"], closure) is not None:
                    raise ApiError(409, "closure_exists", f"frame {frame_name} already has the closure {closure}")
                else:
                    if len(edits["added"]) >= MAX_GAP_EDITS:
                        raise ApiError(400, "too_many_closures", f"frame {frame_name} has {MAX_GAP_EDITS} hand-drawn closures already")
                    edits["added"].append(closure)
                label = f"close gap in {frame_name}"
            else:
                closure = _check_closure(remove, state.frame.seg.shape)
                automatic = self.gaps(frame_name)["automatic"]
                if _find_closure(edits["added"], closure) is not None:
                    del edits["added"][_find_closure(edits["added"], closure)]
                elif _find_closure(automatic, closure) is not None:
                    edits["removed"].append(automatic[_find_closure(automatic, closure)])
                elif isinstance(self.close_gaps, int) and self.close_gaps > 0 and state.frame.seg.closures.any():
                    edits["removed"].append(closure)  # trapped ball: the closure pixels it touches go
                else:
                    raise ApiError(
                        404, "closure_not_found",
                        f"frame {frame_name} has no closure from ({closure[0]}, {closure[1]}) to ({closure[2]}, {closure[3]}); "
                        "list them with GET .../gaps",
                    )
                label = f"open gap in {frame_name}"
            before = self._capture([frame_name])
            if edits["added"] or edits["removed"]:
                self.gap_edits()[frame_name] = edits
            else:
                self.gap_edits().pop(frame_name, None)
            self._store_frame(frame_name, self._recolored(frame_name))
            self._push(label, before, self._capture([frame_name]))
            return label

    def _capture(self, frame_names: list[str]) -> dict[str, Any]:
        return {
            "frames": {name: self.frame_state(name).snapshot() for name in frame_names},
            "corrections": {name: copy.deepcopy(self.corrections().get(name, {})) for name in frame_names},
            "gap_edits": {name: copy.deepcopy(self.gap_edits().get(name)) for name in frame_names},
        }

    def _apply(self, captured: dict[str, Any]) -> None:
        for name, snap in captured["frames"].items():
            state = self.frame_state(name)
            frame = state.frame
            edits = captured.get("gap_edits", {}).get(name, self.gap_edits().get(name))  # steps saved before gap edits
            if (edits or None) != (self.gap_edits().get(name) or None):
                if edits:
                    self.gap_edits()[name] = copy.deepcopy(edits)
                else:
                    self.gap_edits().pop(name, None)
                frame, reason = self._segment(name)
            else:
                reason = state.passed_through
            restored = FrameState(frame, state.matching, state.reference_name, state.is_reference, reason)
            restored.restore(snap)
            self._store_frame(name, restored)
        for name, comps in captured["corrections"].items():
            if comps:
                self.corrections()[name] = copy.deepcopy(comps)
            else:
                self.corrections().pop(name, None)

    def _push(self, label: str, before: dict[str, Any], after: dict[str, Any]) -> None:
        self.state["undo"].append({"label": label, "before": before, "after": after})
        del self.state["undo"][: -self.history_limit]
        self.state["redo"] = []
        self._bump()
        self._write_state()

    def undo(self, *, base_revision: int | None = None) -> str:
        """Undo the last correction or re-propagation; returns its label. 409 ``nothing_to_undo``."""
        return self._step("undo", "redo", "before", base_revision)

    def redo(self, *, base_revision: int | None = None) -> str:
        """Redo the last undone step; returns its label. 409 ``nothing_to_redo``."""
        return self._step("redo", "undo", "after", base_revision)

    def _step(self, source: str, target: str, side: str, base_revision: int | None) -> str:
        with self.lock.hold():
            self.check_revision(base_revision)
            if not self.state[source]:
                raise ApiError(409, f"nothing_to_{source}", f"there is nothing to {source}")
            action = self.state[source].pop()
            self._apply(action[side])
            self.state[target].append(action)
            self._bump()
            self._write_state()
            return action["label"]

    # ------------------------------------------------------------------ queries

    def palette(self) -> list[dict[str, Any]]:
        """The painter's palette: ``paintmatch.segment.reference_palette`` of the colored input frames, then the
        colors the painter added by corrections.

        Each colored frame's palette is read from its flat areas off its lines (never the antialiased
        blends along them); with several colored frames, a color ranks by its best place in any of them,
        ties by painted area. ``area`` is the pixels painted exactly that color off the lines.
        """
        ranks: dict[str, tuple[int, int]] = {}
        for name in self.colored_names:
            for place, (color, area) in enumerate(self._frame_palette(name)):
                best, total = ranks.get(color, (place, 0))
                ranks[color] = (min(best, place), total + area)
        entries = [{"color": c, "area": a} for c, (_r, a) in sorted(ranks.items(), key=lambda item: (item[1][0], -item[1][1], item[0]))]
        added = {entry["color"] for comps in self.corrections().values() for entry in comps.values()} - set(ranks)
        return entries + [{"color": c, "area": 0} for c in sorted(added)]

    def _frame_palette(self, frame_name: str) -> list[tuple[str, int]]:
        """``reference_palette`` of one colored frame with each color's painted area, cached per file and segmentation."""
        from paintmatch.io import read_image
        from paintmatch.segment import reference_palette

        seg = self.frame_state(frame_name).frame.seg
        path = self.frame_path(frame_name, colored=True)
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._palettes.get(frame_name)
        if cached is not None and cached[0] == stamp and cached[1] is seg:
            return cached[2]
        colored = read_image(path, painted=True)
        palette = reference_palette(colored, seg) if seg.shape == colored.shape[:2] else reference_palette(colored)
        off_line = ~seg.line if seg.shape == colored.shape[:2] else np.ones(colored.shape[:2], bool)
        rgba = np.where(colored[..., 3:4] == 0, 0, colored).astype(np.uint32)[off_line]
        packed = (rgba[:, 0] << 24) | (rgba[:, 1] << 16) | (rgba[:, 2] << 8) | rgba[:, 3]
        values, counts = np.unique(packed, return_counts=True)
        area = dict(zip(values.tolist(), counts.tolist()))
        entries = []
        for color in palette.astype(np.uint32):
            key_value = int((color[0] << 24) | (color[1] << 16) | (color[2] << 8) | color[3])
            entries.append((color_hex(color), int(area.get(key_value, 0))))
        self._palettes[frame_name] = (stamp, seg, entries)
        return entries

    def flagged(self, frame_name: str, *, threshold: float) -> np.ndarray:
        """(k,) int: ids of the frame's components flagged for review (``paintmatch.review.review_flags``), ascending."""
        from paintmatch.review import review_flags

        state = self.frame_state(frame_name)
        if state.frame.n == 0:
            return np.zeros(0, np.int64)
        return np.flatnonzero(review_flags(state.frame.seg, state.matching, threshold=threshold))

    def key_frame(self, frame_name: str) -> str | None:
        """The colored input frame at the root of ``frame_name``'s propagation chain (itself for one), or None."""
        from paintmatch.cut import propagation_plan

        if frame_name in self.files.colored:
            return frame_name
        colored = [i for i, name in enumerate(self.names) if name in self.files.colored]
        if not colored:
            return None
        k = self.index_of(frame_name)
        anchors = {t: a for t, _s, a in propagation_plan(len(self.names), colored)}
        return self.names[anchors[k]] if k in anchors else None

    def component_at(self, frame_name: str, x: int, y: int) -> int:
        """Component id under pixel (x, y); a line pixel gives its nearest component. 400 outside the frame."""
        state = self.frame_state(frame_name)
        h, w = state.frame.seg.shape
        if not (0 <= x < w and 0 <= y < h):
            raise ApiError(400, "outside_frame", f"pixel ({x}, {y}) is outside the {w}x{h} frame")
        return int(state.frame.seg.expanded_labels()[y, x])

    def export(self, exports_dir: Path, *, output_format: str, layers: bool, line_mode: str) -> Path:
        """Write every frame (and sidecars, corrections) into a zip; returns its path (atomic)."""
        from paintmatch.cut import ColorizeOptions, FrameResult, write_results
        from paintmatch.io import write_json
        from paintmatch.paint import paint

        options = ColorizeOptions(line_mode=line_mode, layers=layers, output_format=output_format)
        options.validate()
        exports_dir.mkdir(parents=True, exist_ok=True)
        with self.lock.hold(), tempfile.TemporaryDirectory(dir=exports_dir, prefix=".build-") as build:
            results = []
            for name in self.names:
                state = self.frame_state(name)
                painted = paint(state.frame, state.matching, line_mode=line_mode)
                results.append(FrameResult(name, state.frame, state.matching, painted, state.reference_name, 0.0, state.is_reference))
            folder = Path(build) / self.name
            write_results(results, folder, options=options)
            write_json(folder / "corrections.json", {"cut": self.name, "corrections": self.corrections()})
            target = exports_dir / f"{self.name}-r{self.revision}-{output_format}{'-layers' if layers else ''}-{line_mode}.zip"
            partial = Path(build) / "export.zip"
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(folder.iterdir()):
                    archive.write(path, f"{self.name}/{path.name}")
            os.replace(partial, target)
        return target

    def summary(self) -> dict[str, Any]:
        """Name, frame count, colored inputs, whether colorized, number of corrections."""
        return {
            "name": self.name,
            "frames": len(self.names),
            "colored_frames": self.colored_names,
            "colorized": self.has_results(),
            "corrections": sum(len(c) for c in self.corrections().values()),
        }


def _empty_matching() -> Matching:
    return Matching(np.zeros(0, np.int32), np.zeros((0, 4), np.uint8), np.zeros(0, np.float32), np.zeros(0, np.uint8))


def _match(matcher, reference: Frame, target: Frame, anchor: Frame, *, same: bool) -> Matching:  # noqa: ANN001
    """``matcher`` on a target, with the chain's colored frame as anchor where the matcher uses one."""
    if getattr(matcher, "uses_anchor", False) and not same:
        return matcher.match(reference, target, anchor=anchor)
    return matcher.match(reference, target)


def _lock_colors(matching: Matching, overrides: dict[int, tuple[int, ...]] | None) -> None:
    """Locked corrections win over the matcher: color set, confidence 1, stage 'locked'."""
    for component, color in (overrides or {}).items():
        if 0 <= component < matching.colors.shape[0]:
            matching.colors[component] = np.asarray(color, dtype=np.uint8)
            matching.confidence[component] = 1.0
            matching.stage[component] = 3
            matching.ref_index[component] = -1


def _check_closure(value: list[int], shape: tuple[int, int]) -> list[int]:
    """A closing stroke (x0, y0, x1, y1) inside an (H, W) frame, of two distinct ends, not too long."""
    h, w = shape
    x0, y0, x1, y1 = (int(v) for v in value)
    if not all(0 <= x < w for x in (x0, x1)) or not all(0 <= y < h for y in (y0, y1)):
        raise ApiError(400, "outside_frame", f"closure ({x0}, {y0}, {x1}, {y1}) leaves the {w}x{h} frame")
    length = float(np.hypot(x1 - x0, y1 - y0))
    longest = max(256, max(h, w) // 8)
    if length < 1:
        raise ApiError(400, "bad_closure", "a closure needs two different points (x0, y0) and (x1, y1)")
    if length > longest:
        raise ApiError(400, "bad_closure", f"closure of {length:.0f} px is longer than {longest} px: draw it across the gap only")
    return [x0, y0, x1, y1]


def _find_closure(listed: list[list[int]], closure: list[int]) -> int | None:
    """Index of the listed closure whose two ends lie within ``SAME_CLOSURE_PX`` of ``closure``'s, or None."""
    a = np.asarray(closure, dtype=np.float64)
    for i, other in enumerate(listed):
        b = np.asarray(other, dtype=np.float64)
        same = np.hypot(*(a[:2] - b[:2])) <= SAME_CLOSURE_PX and np.hypot(*(a[2:] - b[2:])) <= SAME_CLOSURE_PX
        swapped = np.hypot(*(a[:2] - b[2:])) <= SAME_CLOSURE_PX and np.hypot(*(a[2:] - b[:2])) <= SAME_CLOSURE_PX
        if same or swapped:
            return i
    return None


def _state_of(result) -> FrameState:  # noqa: ANN001 - paintmatch.cut.FrameResult
    """A streamed frame result as a ``FrameState``: no painted images, no feature cache."""
    frame = Frame(line=result.frame.line, seg=result.frame.seg, name=result.name)
    return FrameState(frame, result.matching, result.reference_name, result.is_reference, result.passed_through,
                      result.paint_off_lines)


def _check_inside(path: Path, workspace: Path, cut: str) -> None:
    """403 ``outside_workspace`` when a frame file (a link) resolves outside the workspace."""
    resolved = path.resolve()
    if workspace not in resolved.parents:
        raise ApiError(
            403,
            "outside_workspace",
            f"frame {path.parent.name}/{path.name} of cut {cut} is a link leading outside the workspace; "
            "the server reads no file outside it: copy the frame into the cut instead of linking it",
        )


def _reread(root: Path, workspace: Path | None = None, made: Path | None = None):  # noqa: ANN202 - CutFiles
    """``read_cut(root)``, with every frame file checked to lie inside ``workspace`` (when given), and the frames made
    colored frames in the page (``made/<name>.png``, a line frame's name not in ``gt/``) added to its colored frames."""
    import dataclasses

    from paintmatch.io import read_cut

    files = read_cut(root)
    if made is not None and made.is_dir():
        names = set(files.names)
        extra = {p.stem: p for p in sorted(made.glob("*.png")) if p.stem in names and p.stem not in files.colored}
        if extra:
            files = dataclasses.replace(files, colored={**files.colored, **extra})
    if workspace is not None:
        for path in [*files.line, *files.colored.values()]:
            _check_inside(path, workspace, root.name)
    return files


class Workspace:
    """The cuts of a workspace folder, each opened once into a ``CutStore``.

    Parameters
    ----------
    root : Path
        The workspace folder (resolved).
    history_limit : int
        Undo steps kept per cut.
    """

    def __init__(self, root: Path, *, history_limit: int = 30):
        self.root = root.resolve()
        self.state_dir = self.root / ".paintmatch"
        self.history_limit = history_limit
        self._cuts: dict[str, CutStore] = {}
        self._lock = threading.Lock()
        # Segmentations and matches of every cut's colorize runs, reused where nothing changed (bounded: MatchMemo).
        self.match_memo = MatchMemo()

    def cut_names(self) -> list[str]:
        """Sub-folders with a ``line/`` folder, as a file manager lists them (``c2`` before ``c10``:
        ``paintmatch.io.frame_order_key``): any name ``is_safe_name`` accepts (spaces, any
        language). Hidden folders and links leading outside are skipped; a folder whose name cannot be
        served (not UTF-8, control characters) is skipped with a warning that says why."""
        names = []
        from paintmatch.io import frame_order_key

        for entry in sorted(self.root.iterdir(), key=lambda path: frame_order_key(path.name)):
            if entry.name.startswith(".") or not (entry / "line").is_dir():
                continue
            if not is_safe_name(entry.name):
                log.warning(
                    "workspace folder %s is not listed: its name is not valid UTF-8 or holds '..' or control "
                    "characters; rename it to list it", ascii(entry.name)
                )
                continue
            try:
                inside(self.root, entry.name, "line")
            except ApiError:
                continue
            names.append(entry.name)
        return names

    def cut(self, name: str) -> CutStore:
        """The cut called ``name``: 400 bad name, 403 outside the workspace, 404 missing, 400 invalid cut."""
        check_name(name, "cut")
        folder = inside(self.root, name)
        if not folder.exists():  # macOS stores names decomposed (NFD); browsers send them composed (NFC)
            for form in ("NFC", "NFD"):
                other = unicodedata.normalize(form, name)
                if other != name and inside(self.root, other).exists():
                    name, folder = other, inside(self.root, other)
                    break
        with self._lock:
            if name in self._cuts:
                return self._cuts[name]
            if not (folder / "line").is_dir():
                raise ApiError(404, "cut_not_found", f"the workspace has no cut {name!r} (a folder with line/ and gt/)")
            inside(self.root, name, "line")
            try:
                store = CutStore(folder, self.state_dir / "cuts" / name, history_limit=self.history_limit, workspace=self.root,
                                 match_memo=self.match_memo)
            except InputError as error:
                raise ApiError(400, "bad_cut", str(error).replace(str(self.root), "<workspace>")) from None
            self._cuts[name] = store
            return store

    def exports_dir(self) -> Path:
        """Where export zips are written."""
        return self.state_dir / "exports"

    def create_cut(self, name: str, staged: Path) -> CutStore:
        """Move a staged cut folder (``line/``, ``gt/``) into the workspace as ``name``; 409 if it exists."""
        check_name(name, "cut")
        target = inside(self.root, name)
        try:
            os.mkdir(target)  # atomic claim of the name
        except FileExistsError:
            raise ApiError(409, "cut_exists", f"the workspace already has a cut or file named {name!r}; choose another name") from None
        for part in ("line", "gt"):
            os.replace(staged / part, target / part)
        shutil.rmtree(staged, ignore_errors=True)
        return self.cut(name)
