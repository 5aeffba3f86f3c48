"""Request and response models of the REST API (they document it in OpenAPI at ``/docs``)."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, Field

__all__ = [
    "ErrorResponse",
    "Health",
    "CutSummary",
    "CutList",
    "FrameInfo",
    "CutDetail",
    "ColorizeRequest",
    "JobInfo",
    "ComponentInfo",
    "FlaggedComponent",
    "FlaggedList",
    "MatchInfo",
    "ColorRequest",
    "HistoryRequest",
    "PaletteColor",
    "Palette",
    "Corrections",
    "GapSetting",
    "Closure",
    "GapEditRequest",
    "Gaps",
]

COLOR_PATTERN = r"^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$"

GapSetting = Union[Literal["auto", "off"], Annotated[int, Field(ge=0, le=64)]]
"""``close_gaps``: "auto", "off" or a trapped-ball radius in pixels (0-64)."""

Closure = Annotated[
    list[int],
    Field(min_length=4, max_length=4, description="A closing stroke (x0, y0, x1, y1) in pixels of the full-size frame."),
]


class ErrorResponse(BaseModel):
    """Every error: a message for people and a stable code for programs."""

    detail: str = Field(description="What is wrong and what to do.")
    code: str = Field(description="Stable error kind, e.g. 'cut_not_found', 'cut_busy', 'outside_workspace'.")


class Health(BaseModel):
    """The server is up."""

    status: Literal["ok"] = "ok"
    version: str = Field(description="paintmatch version.")
    workspace: str = Field(description="Name of the workspace folder (not its full path).")


class CutSummary(BaseModel):
    """A cut folder of the workspace."""

    name: str = Field(description="Folder name inside the workspace.")
    frames: int = Field(description="Number of line frames.")
    colored_frames: list[str] = Field(description="The colored frames (the references): gt/'s, and those made in the page.")
    colorized: bool = Field(description="Whether every frame has a coloring result.")
    corrections: int = Field(description="Number of locked component corrections.")


class CutList(BaseModel):
    """The cuts of the workspace."""

    cuts: list[CutSummary]


class FrameInfo(BaseModel):
    """One frame of a cut."""

    name: str = Field(description="Frame name (file stem).")
    index: int = Field(description="Position in the cut.")
    width: int
    height: int
    is_reference: bool = Field(description="True for a colored frame (in gt/, or made one in the page).")
    made_colored: bool = Field(False, description="A colored frame made in the page (POST .../colored): removable "
                               "(DELETE .../colored); gt/'s colored inputs are not.")
    components: int | None = Field(None, description="Number of components (None before colorizing).")
    low_confidence: int | None = Field(
        None, description="How many components are flagged for review (len(flagged)); None before colorizing."
    )
    flagged: list[int] | None = Field(
        None,
        description="Ids of the components flagged for review (paintmatch.review.review_flags: confidence under the "
        "threshold, over 10 px, not locked), ascending: the sidecar's 'flagged' with the default threshold.",
    )
    locked: int = Field(description="Locked corrections in this frame.")
    reference: str | None = Field(None, description="Frame this one was colored from.")
    passed_through: str | None = Field(
        None, description="Why the frame was written through as drawn, uncolored, as its sidecar's 'reason' ('no lines', "
        "'no closed region', 'too many regions'); None for a colored frame or before colorizing."
    )
    passed_through_note: str | None = Field(
        None, description="The same in a painter's words, with what to check (paintmatch.cut.PASS_DESCRIPTIONS)."
    )
    misfit_note: str | None = Field(
        None, description="For a colored frame whose paint does not fit its line frame (its paint changes where the line "
        "frame has no line: paintmatch.segment.paint_off_lines over paintmatch.cut.MISFIT_SHARE; painted on another "
        "drawing, or shifted), the warning that says so; else None."
    )


class CutDetail(CutSummary):
    """A cut with its frames, settings, history and running job."""

    revision: int = Field(description="Increased by every change; send it back as base_revision to detect stale views.")
    settings: dict = Field(description="Settings of the last colorize: method, line_mode, close_gaps.")
    frame_list: list[FrameInfo]
    can_undo: bool
    can_redo: bool
    undo_label: str | None = Field(None, description="What undo would revert.")
    redo_label: str | None = Field(None, description="What redo would apply again.")
    job: "JobInfo | None" = Field(None, description="The cut's unfinished job, if any.")
    low_confidence_threshold: float = Field(
        description="Confidence under which components are flagged (paintmatch.review.FLAG_CONFIDENCE unless the "
        "server was started with another)."
    )
    flagged_total: int = Field(0, description="Flagged components in the whole cut.")
    next_to_color: str | None = Field(
        None, description="The frame to color next (or fix and make a colored frame: POST .../colored): the one whose colors are least "
        "sure, the lowest mean confidence over its components over 10 px (paintmatch.review.next_to_color, as "
        "`colorize` names it); None before colorizing.")
    next_to_color_confidence: float | None = Field(None, description="That frame's mean confidence.")


class ColorizeRequest(BaseModel):
    """Options of a colorize run (all optional)."""

    method: str | None = Field(None, description="Matcher name (see `paintmatch colorize --help`); default: the package default.")
    line_mode: Literal["keep", "recolor"] = Field("keep", description="Keep lines as drawn, or recolor trace lines.")
    close_gaps: "GapSetting" = Field(
        "auto",
        description="Gap closing, as `paintmatch colorize --close-gaps`: 'auto' (default: close gaps where a stroke "
        "ends near another line, scaled to the line width), 'off', or a trapped-ball radius in pixels (0-64; 0: off).",
    )


class JobInfo(BaseModel):
    """A colorize or re-propagate job; poll GET /api/jobs/{id} until state is done or failed."""

    id: str
    kind: Literal["colorize", "propagate"]
    cut: str
    state: Literal["queued", "running", "done", "failed"]
    done: int = Field(description="Frames finished.")
    total: int = Field(description="Frames to do (0 until known).")
    current: str = Field(description="Frame last finished.")
    error: str | None = Field(None, description="Why the job failed.")
    result: dict = Field(default_factory=dict, description="What the job did (e.g. frames recolored).")


class ComponentInfo(BaseModel):
    """One component (line-enclosed region) of a colored frame."""

    frame: str
    id: int = Field(description="Component id (stable for a given line frame).")
    color: str = Field(description="Current color, #rrggbbaa.")
    confidence: float = Field(description="Match confidence in [0, 1]; 1 for locked corrections and references.")
    stage: str = Field(description="Which stage decided: first, graph, fallback or locked.")
    reference_component: int = Field(description="Matched component of the reference frame (-1: none).")
    locked: bool = Field(description="Whether the painter fixed this color.")
    flagged: bool = Field(False, description="Whether review should check it (as the sidecar's 'flagged').")
    area: int = Field(description="Pixels.")
    centroid: list[float] = Field(description="(x, y) in pixels.")
    bbox: list[int] = Field(description="(x, y, width, height) in pixels.")
    reference: str | None = Field(None, description="The frame this one was colored from (its reference_component's frame).")


class FlaggedComponent(BaseModel):
    """A component flagged for review."""

    frame: str
    frame_index: int = Field(description="Position of its frame in the cut.")
    id: int = Field(description="Component id.")
    color: str = Field(description="Current color, #rrggbbaa.")
    confidence: float
    stage: str
    area: int = Field(description="Pixels.")
    bbox: list[int] = Field(description="(x, y, width, height) in pixels.")
    seed: list[int] = Field(description="(x, y) of one pixel inside it (the sidecar's seed).")
    reference: str = Field(description="The frame it was colored from.")
    reference_component: int = Field(description="Its match in that frame; -1: colored by a vote, from the key frame, or from the other colored frame's side.")


class FlaggedList(BaseModel):
    """Every flagged component of a cut, in review order: frame by frame in cut order, ids ascending in a frame.

    Step through it with the page's Next flagged (N) / Previous flagged (Shift+N). A locked fix leaves it.
    """

    cut: str
    revision: int
    threshold: float = Field(description="Confidence under which components are flagged.")
    total: int
    components: list[FlaggedComponent]


class MatchInfo(BaseModel):
    """Where a component's color came from: the reference component it was matched to, if any."""

    frame: str
    id: int
    source: Literal["matched", "vote", "locked", "colored_input"] = Field(
        description="'matched': one component of the reference frame gave the color (see image); 'vote': no single "
        "reference component (a neighbour or part vote, or the key frame, ref_index -1); 'locked': the painter's fix; "
        "'colored_input': a frame the painter colored."
    )
    explanation: str = Field(description="The same in words, for the page.")
    reference: str | None = Field(None, description="The frame it was colored from.")
    reference_component: int = Field(description="Matched component of the reference frame (-1: none).")
    key_frame: str | None = Field(None, description="The colored input frame at the root of this frame's chain.")
    reference_bbox: list[int] | None = Field(None, description="(x, y, width, height) of the reference component.")
    crop: list[int] | None = Field(None, description="(x, y, width, height) of the reference frame shown by the image.")
    image: str | None = Field(None, description="Address of the PNG crop (…/match.png), or None when there is nothing to show.")


class ColorRequest(BaseModel):
    """Set (and lock) a component's color."""

    color: str = Field(pattern=COLOR_PATTERN, description="#rrggbb or #rrggbbaa (alpha 00 = transparent background).")
    base_revision: int | None = Field(None, description="The revision the client saw; 409 if the cut changed since.")


class HistoryRequest(BaseModel):
    """A request that carries only the revision the client saw (undo, redo, a colored frame made or removed)."""

    base_revision: int | None = Field(None, description="The revision the client saw; 409 if the cut changed since.")


class PaletteColor(BaseModel):
    """A color of the painter's palette."""

    color: str = Field(description="#rrggbbaa (#00000000: transparent background).")
    area: int = Field(
        description="Pixels painted exactly this color off the lines in the colored frames (0: a color added by a correction)."
    )


class Palette(BaseModel):
    """The painter's palette: paintmatch.segment.reference_palette of the colored frames (the colors covering flat
    areas, never antialiased blends), largest flat area first, without duplicates; then colors the painter added
    by corrections."""

    colors: list[PaletteColor]


class Corrections(BaseModel):
    """The locked corrections of a cut."""

    cut: str
    revision: int
    corrections: dict[str, dict[str, dict]] = Field(
        description="Frame name -> component id -> {color: #rrggbbaa, centroid: [x, y]}."
    )


class GapEditRequest(BaseModel):
    """Close a gap by hand (``add``) or open a closure (``remove``): exactly one of them."""

    add: Closure | None = Field(
        None,
        description="A closing stroke drawn by hand; an end off the lines snaps to the nearest line pixel within 4 px. "
        "Drawing over an automatic closure that was removed brings that closure back.",
    )
    remove: Closure | None = Field(
        None,
        description="A closure to open: a hand-drawn one is deleted, an automatic one is listed as removed "
        "(ends within 3 px of the closure's ends, in either order).",
    )
    base_revision: int | None = Field(None, description="The revision the client saw; 409 if the cut changed since.")


class Gaps(BaseModel):
    """The gap closures of one frame: automatic ones, and the painter's edits (kept in the workspace state)."""

    cut: str
    frame: str
    revision: int
    close_gaps: GapSetting = Field(description="The cut's gap closing setting (from its last colorize).")
    automatic: list[list[int]] = Field(
        description="Automatic closures in effect (x0, y0, x1, y1). Empty with 'off'; with a trapped-ball radius "
        "its closures are pixels only (see the image view 'gaps')."
    )
    added: list[list[int]] = Field(description="Closing strokes drawn by hand, as drawn.")
    removed: list[list[int]] = Field(description="Automatic closures the painter removed.")
    components: int = Field(description="Components of the frame with these closures.")
