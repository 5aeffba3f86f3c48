"""The FastAPI application: REST API over a workspace of cuts, and the single-page UI.

Every route is documented in OpenAPI (``/docs``, ``/openapi.json``); the UI in ``static/`` uses
nothing else. State lives in the objects built by ``create_app`` (attached to ``app.state``), never
in module globals, so several apps (tests) can live in one process.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, AsyncIterator, Literal
from urllib.parse import quote

import numpy as np
from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from paintmatch import __version__
from paintmatch.errors import InputError
from paintmatch.io import encode_png
from paintmatch.review import next_to_color
from paintmatch.web.config import ServeConfig
from paintmatch.web.errors import ApiError
from paintmatch.web.jobs import JobManager
from paintmatch.web.render import confidence_view, crop_box, fit, match_crop, segments_view
from paintmatch.web.schema import (
    ColorizeRequest,
    ColorRequest,
    ComponentInfo,
    Corrections,
    CutDetail,
    CutList,
    CutSummary,
    ErrorResponse,
    FlaggedComponent,
    FlaggedList,
    FrameInfo,
    GapEditRequest,
    Gaps,
    Health,
    HistoryRequest,
    JobInfo,
    MatchInfo,
    Palette,
)
from paintmatch.web.security import SecurityMiddleware
from paintmatch.web.upload import UploadedFile, stage_cut
from paintmatch.web.workspace import CutStore, Workspace, color_hex, parse_color

__all__ = ["create_app"]

STATIC = Path(__file__).parent / "static"
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse} for status in (400, 401, 403, 404, 409, 413, 415, 422, 507)
}
CSP = "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"detail": message, "code": code}, status_code=status)


def _is_machine_error(error: BaseException | None) -> bool:
    """An OSError with an errno: the disk's refusal (full, read-only, permission), not the user's input."""
    return isinstance(error, OSError) and error.errno is not None


def create_app(config: ServeConfig) -> FastAPI:
    """Build the application for ``config`` (validated here).

    Parameters
    ----------
    config : ServeConfig
        Workspace, limits, token.

    Returns
    -------
    FastAPI
        Serve it with uvicorn (``paintmatch serve`` does), or test it with ``fastapi.testclient``.

    Raises
    ------
    InputError
        Bad configuration (see ``ServeConfig.validate``).
    """
    config.validate()
    workspace = Workspace(config.workspace, history_limit=config.history_limit)
    jobs = JobManager(workers=config.job_workers)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.shutdown()

    app = FastAPI(
        title="paintmatch",
        version=__version__,
        description=(
            "Review and correct colorings of anime cuts. A cut is a folder of the workspace with line/ and "
            "gt/ frames. Colorize it (a job: poll /api/jobs/{id}), fix components (locked), close or open "
            "line gaps, re-propagate from a frame, undo/redo, export. Errors are JSON: {detail, code}."
        ),
        lifespan=lifespan,
        responses=ERRORS,
    )
    app.state.config = config
    app.state.workspace = workspace
    app.state.jobs = jobs
    app.add_middleware(SecurityMiddleware, config=config)

    @app.middleware("http")
    async def headers(request: Request, call_next):  # noqa: ANN001, ANN202 - Starlette's signature
        response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = CSP
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, error: ApiError) -> JSONResponse:
        return _error(error.status, error.code, error.message)

    @app.exception_handler(InputError)
    async def input_error(_request: Request, error: InputError) -> JSONResponse:
        message = str(error).replace(str(config.workspace), "<workspace>")
        if _is_machine_error(error.__cause__):  # paintmatch.io names the path and the cause in words
            return _error(507, "storage_error", message)
        return _error(400, "bad_input", message)

    @app.exception_handler(OSError)
    async def storage_error(_request: Request, error: OSError) -> JSONResponse:
        if not _is_machine_error(error):
            raise error
        from paintmatch.io import os_error_message

        where = error.filename if error.filename is not None else "a file of the workspace"
        message = os_error_message(where, error).replace(str(config.workspace), "<workspace>")
        return _error(507, "storage_error", message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        parts = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in error.errors()]
        return _error(422, "invalid_request", "; ".join(parts) or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return _error(error.status_code, code, str(error.detail))

    # ------------------------------------------------------------------ UI

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    # ------------------------------------------------------------------ helpers

    def store(cut: str) -> CutStore:
        return workspace.cut(cut)

    def idle_store(cut: str) -> CutStore:
        """``store(cut)`` for a change: 409 ``cut_busy`` while the cut has a job running."""
        target = store(cut)
        if jobs.active(target.name):
            raise ApiError(409, "cut_busy", f"cut {cut} has a job running; wait for it to finish")
        return target

    def start_colorize(target: CutStore, method: str | None, line_mode: str, close_gaps: int | str) -> JobInfo:
        """Queue a colorize job of ``target`` (``CutStore.colorize``)."""
        job = jobs.submit("colorize", target.name, lambda progress: target.colorize(
            method=method, line_mode=line_mode, close_gaps=close_gaps, progress=progress))
        return JobInfo(**_job_fields(job.as_dict()))

    def recolorize(target: CutStore) -> JobInfo:
        """A colorize job with the cut's last settings (after its colored frames changed)."""
        settings = target.state["settings"]
        return start_colorize(target, settings.get("method"), settings.get("line_mode", "keep"), target.close_gaps)

    def detail(cut: CutStore) -> CutDetail:
        from paintmatch.cut import MISFIT_SHARE, PASS_DESCRIPTIONS, misfit_message
        from paintmatch.io import image_info

        frames = []
        corrections = cut.corrections()
        colorized = cut.has_results()
        total = 0
        sureness = []  # (name, areas, confidence) of the frames paintmatch colored: which to color next
        made = set(cut.made_colored_names)
        for index, name in enumerate(cut.names):
            info = image_info(cut.frame_path(name))
            entry = FrameInfo(
                name=name,
                index=index,
                width=info.width,
                height=info.height,
                is_reference=name in cut.files.colored,
                made_colored=name in made,
                locked=len(corrections.get(name, {})),
            )
            if colorized:
                state = cut.frame_state(name)
                flagged = cut.flagged(name, threshold=config.flag_threshold).tolist()
                entry.components = state.frame.n
                entry.flagged = flagged
                entry.low_confidence = len(flagged)
                entry.reference = state.reference_name
                if state.passed_through:
                    entry.passed_through = state.passed_through
                    entry.passed_through_note = PASS_DESCRIPTIONS[state.passed_through]
                if state.paint_off_lines is not None and state.paint_off_lines > MISFIT_SHARE:
                    entry.misfit_note = misfit_message(f"This colored frame ({name})", f"line/{cut.frame_path(name).name}",
                                                       state.paint_off_lines)
                total += len(flagged)
                if not entry.is_reference:
                    sureness.append((name, state.frame.seg.areas, state.matching.confidence))
            frames.append(entry)
        upcoming = next_to_color(sureness)
        undo, redo = cut.state["undo"], cut.state["redo"]
        active = jobs.active(cut.name)
        return CutDetail(
            **cut.summary(),
            revision=cut.revision,
            settings=cut.state["settings"],
            frame_list=frames,
            can_undo=bool(undo),
            can_redo=bool(redo),
            undo_label=undo[-1]["label"] if undo else None,
            redo_label=redo[-1]["label"] if redo else None,
            job=JobInfo(**_job_fields(active.as_dict())) if active else None,
            low_confidence_threshold=config.flag_threshold,
            flagged_total=total,
            next_to_color=upcoming.name if upcoming is not None else None,
            next_to_color_confidence=upcoming.mean_confidence if upcoming is not None else None,
        )

    def component_info(cut: CutStore, frame: str, component: int) -> ComponentInfo:
        state = cut.frame_state(frame)
        seg = state.frame.seg
        if not 0 <= component < seg.n:
            raise ApiError(404, "component_not_found", f"frame {frame} has no component {component} (it has {seg.n})")
        m = state.matching
        from paintmatch.match import Matching

        flagged = cut.flagged(frame, threshold=config.flag_threshold)
        return ComponentInfo(
            frame=frame,
            id=component,
            color=color_hex(m.colors[component]),
            confidence=round(float(m.confidence[component]), 4),
            stage=Matching.STAGES.get(int(m.stage[component]), "unknown"),
            reference_component=int(m.ref_index[component]),
            locked=str(component) in cut.corrections().get(frame, {}),
            flagged=bool(np.isin(component, flagged)),
            area=int(seg.areas[component]),
            centroid=[round(float(v), 2) for v in seg.centroids[component]],
            bbox=[int(v) for v in seg.bboxes[component]],
            reference=state.reference_name or None,
        )

    def match_info(cut: CutStore, frame: str, component: int) -> MatchInfo:
        """Where a component's color came from, and which reference region to show (see ``MatchInfo``)."""
        info = component_info(cut, frame, component)  # 404 for an unknown frame or component
        state = cut.frame_state(frame)
        ref = int(state.matching.ref_index[component])
        key = cut.key_frame(frame)
        fields: dict[str, Any] = {"frame": frame, "id": component, "reference": state.reference_name or None,
                                  "reference_component": ref, "key_frame": key}
        if frame in cut.files.colored:
            what = "your fix" if info.locked else "the painter's color"
            return MatchInfo(**fields, source="colored_input", explanation=f"frame {frame} is a colored input frame: this is {what}")
        if info.locked:
            return MatchInfo(**fields, source="locked", explanation="locked: you set this color")
        source = cut.frame_state(state.reference_name) if state.reference_name and state.reference_name in cut.names else None
        if ref < 0 or source is None or ref >= source.frame.n:
            where = f"from the key frame {key}" if key else "from the key frame"
            return MatchInfo(
                **fields,
                source="vote",
                explanation=f"colored by vote / {where} / from the other colored frame's side (a frame between two): no "
                f"single component of {state.reference_name or 'the reference'} gave this color, so there is no reference "
                "region to show",
            )
        bbox = source.frame.seg.bboxes[ref]
        box = crop_box(bbox, source.frame.seg.shape)
        url = f"/api/cuts/{quote(cut.name, safe='')}/frames/{quote(frame, safe='')}/components/{component}/match.png"
        return MatchInfo(
            **fields,
            source="matched",
            explanation=f"matched to component {ref} of frame {state.reference_name}",
            reference_bbox=[int(v) for v in bbox],
            crop=list(box),
            image=url,
        )

    # ------------------------------------------------------------------ API

    @app.get("/api/health", response_model=Health, tags=["server"])
    def health() -> Health:
        """The server is up; its version."""
        return Health(version=__version__, workspace=config.workspace.name)

    @app.get("/api/cuts", response_model=CutList, tags=["cuts"])
    def list_cuts() -> CutList:
        """Cut folders of the workspace (sub-folders with line/). Invalid cuts are listed with 0 frames."""
        cuts = []
        for name in workspace.cut_names():
            try:
                cuts.append(CutSummary(**store(name).summary()))
            except ApiError:
                cuts.append(CutSummary(name=name, frames=0, colored_frames=[], colorized=False, corrections=0))
        return CutList(cuts=cuts)

    @app.post("/api/cuts", response_model=CutDetail, status_code=201, tags=["cuts"])
    def upload_cut(
        name: Annotated[str, Form(description="New cut's folder name: any language, spaces allowed; no leading dot, '..', '/', '\\' or control characters.")],
        lines: Annotated[list[UploadFile], File(description="Line-art frames (PNG, TGA, TIFF or JPEG), in order.")],
        colored: Annotated[UploadFile, File(description="One colored frame (PNG, TGA, TIFF or JPEG), the size of its line frame.")],
        colored_frame: Annotated[str | None, Form(description="Which line frame the colored frame belongs to (default: same file name, else the first).")] = None,
    ) -> CutDetail:
        """Create a cut from uploaded frames. Limits: file count, bytes per file and per request, pixels
        (413 ``image_too_large``, from the header before decoding); every file must decode as a PNG, TGA,
        TIFF or JPEG image (415 ``not_an_image``)."""
        from paintmatch.web.workspace import check_name, inside

        check_name(name, "cut")
        if inside(config.workspace, name).exists():
            raise ApiError(409, "cut_exists", f"the workspace already has a cut or file named {name!r}; choose another name")
        staged = stage_cut(
            workspace.state_dir / "uploads",
            [UploadedFile(u.filename or "", u.file) for u in lines],
            UploadedFile(colored.filename or "", colored.file),
            colored_frame,
            max_files=config.max_files,
            max_file_bytes=config.max_file_bytes,
            max_pixels=config.max_pixels,
        )
        return detail(workspace.create_cut(name, staged))

    @app.get("/api/cuts/{cut}", response_model=CutDetail, tags=["cuts"])
    def get_cut(cut: str) -> CutDetail:
        """A cut: frames, settings, revision, undo/redo, running job."""
        return detail(store(cut))

    @app.post("/api/cuts/{cut}/colorize", response_model=JobInfo, status_code=202, tags=["jobs"])
    def colorize(cut: str, request: ColorizeRequest | None = None) -> JobInfo:
        """Start coloring every frame from the colored inputs, keeping locked corrections. Clears undo history."""
        target = store(cut)
        options = request or ColorizeRequest()
        if options.method is not None:
            from paintmatch.match import MATCHERS

            if options.method not in MATCHERS:
                raise ApiError(400, "unknown_method", f"unknown method {options.method!r}; known: {', '.join(sorted(MATCHERS))}")
        return start_colorize(target, options.method, options.line_mode, options.close_gaps)

    @app.get("/api/jobs/{job_id}", response_model=JobInfo, tags=["jobs"])
    def get_job(job_id: str) -> JobInfo:
        """A job's progress and outcome."""
        return JobInfo(**_job_fields(jobs.get(job_id).as_dict()))

    @app.get(
        "/api/cuts/{cut}/frames/{frame}/image",
        response_class=Response,
        responses={200: {"content": {"image/png": {}}, "description": "PNG image"}},
        tags=["frames"],
    )
    def frame_image(
        cut: str,
        frame: str,
        view: Annotated[
            Literal["result", "line", "confidence", "segments", "gaps"],
            Query(description="What to show ('gaps': the line art on white with the gap closures in magenta)."),
        ] = "result",
        max_side: Annotated[int | None, Query(ge=16, le=8192, description="Downscale so the longer side is at most this.")] = None,
        threshold: Annotated[
            float | None,
            Query(ge=0, le=1, description="Confidence view: flag under this confidence instead of the server's threshold."),
        ] = None,
    ) -> Response:
        """A frame as PNG: the result, the line art, the confidence view (the components flagged for review,
        exactly the sidecar's ``flagged``, tinted and outlined), the segmentation (one arbitrary color per component) or the gap closures
        (the line art with every closure, automatic or drawn by hand, in magenta)."""
        from paintmatch.paint import paint

        target = store(cut)
        target.index_of(frame)
        if view == "line" and not target.has_results():
            from paintmatch.io import read_image

            image = read_image(target.frame_path(frame))
        else:
            state = target.frame_state(frame)
            if view == "line":
                image = state.frame.line
            elif view == "segments":
                image = segments_view(state.frame)
            elif view == "gaps":
                from paintmatch.segment import gap_preview

                image = gap_preview(state.frame.line, state.frame.seg)
            else:
                line_mode = target.state["settings"].get("line_mode", "keep")
                image = paint(state.frame, state.matching, line_mode=line_mode).image
                if view == "confidence":
                    from paintmatch.review import review_flags

                    limit = config.flag_threshold if threshold is None else threshold
                    image = confidence_view(image, state.frame, review_flags(state.frame.seg, state.matching, threshold=limit))
        return Response(encode_png(fit(np.ascontiguousarray(image), max_side)), media_type="image/png", headers={"Cache-Control": "no-store"})

    @app.get("/api/cuts/{cut}/frames/{frame}/component", response_model=ComponentInfo, tags=["frames"])
    def component_at(
        cut: str,
        frame: str,
        x: Annotated[int, Query(description="Pixel column in the full-size frame.")],
        y: Annotated[int, Query(description="Pixel row in the full-size frame.")],
    ) -> ComponentInfo:
        """The component under a pixel (a line pixel gives its nearest component)."""
        target = store(cut)
        return component_info(target, frame, target.component_at(frame, x, y))

    @app.get("/api/cuts/{cut}/frames/{frame}/components/{component}", response_model=ComponentInfo, tags=["frames"])
    def get_component(cut: str, frame: str, component: int) -> ComponentInfo:
        """One component by id."""
        return component_info(store(cut), frame, component)

    @app.get("/api/cuts/{cut}/frames/{frame}/components/{component}/match", response_model=MatchInfo, tags=["review"])
    def get_match(cut: str, frame: str, component: int) -> MatchInfo:
        """Where a component's color came from: the reference frame and component it was matched to (with the
        address of a PNG crop around it), or why there is none (a vote, the key frame, a locked fix)."""
        return match_info(store(cut), frame, component)

    @app.get(
        "/api/cuts/{cut}/frames/{frame}/components/{component}/match.png",
        response_class=Response,
        responses={200: {"content": {"image/png": {}}, "description": "PNG crop of the reference frame"}},
        tags=["review"],
    )
    def match_image(
        cut: str,
        frame: str,
        component: int,
        size: Annotated[int, Query(ge=32, le=1024, description="Longer side of the image in pixels.")] = 240,
    ) -> Response:
        """The reference frame (its painted result) cropped around the component this one was matched to, that
        component ringed in pink. 404 ``no_reference_component`` (with the reason) when the color came from a
        vote, the key frame or a locked fix."""
        from paintmatch.paint import paint

        target = store(cut)
        info = match_info(target, frame, component)
        if info.source != "matched" or info.crop is None or info.reference is None:
            raise ApiError(404, "no_reference_component", f"frame {frame} component {component}: {info.explanation}")
        source = target.frame_state(info.reference)
        line_mode = target.state["settings"].get("line_mode", "keep")
        painted = paint(source.frame, source.matching, line_mode=line_mode).image
        crop = match_crop(painted, source.frame.seg.labels, info.reference_component, tuple(info.crop), size=size)
        return Response(encode_png(crop), media_type="image/png", headers={"Cache-Control": "no-store"})

    @app.get("/api/cuts/{cut}/flagged", response_model=FlaggedList, tags=["review"])
    def flagged(
        cut: str,
        threshold: Annotated[
            float | None, Query(ge=0, le=1, description="Flag under this confidence instead of the server's threshold.")
        ] = None,
    ) -> FlaggedList:
        """Every component flagged for review (``paintmatch.review.review_flags``, as the sidecars' ``flagged``),
        frame by frame in cut order and by id within a frame: the order of Next flagged (N)."""
        from paintmatch.match import Matching
        from paintmatch.review import seed_points

        target = store(cut)
        limit = config.flag_threshold if threshold is None else threshold
        entries = []
        for index, name in enumerate(target.names):
            state = target.frame_state(name)
            ids = target.flagged(name, threshold=limit)
            if ids.size == 0:
                continue
            seg, m = state.frame.seg, state.matching
            seeds = seed_points(seg)
            for i in ids.tolist():
                entries.append(
                    FlaggedComponent(
                        frame=name,
                        frame_index=index,
                        id=i,
                        color=color_hex(m.colors[i]),
                        confidence=round(float(m.confidence[i]), 4),
                        stage=Matching.STAGES.get(int(m.stage[i]), "unknown"),
                        area=int(seg.areas[i]),
                        bbox=[int(v) for v in seg.bboxes[i]],
                        seed=[int(v) for v in seeds[i]],
                        reference=state.reference_name,
                        reference_component=int(m.ref_index[i]),
                    )
                )
        return FlaggedList(cut=target.name, revision=target.revision, threshold=limit, total=len(entries), components=entries)

    @app.put("/api/cuts/{cut}/frames/{frame}/components/{component}", response_model=ComponentInfo, tags=["corrections"])
    def set_component(cut: str, frame: str, component: int, request: ColorRequest) -> ComponentInfo:
        """Set a component's color and lock it. Only this frame changes; re-propagate to carry it on."""
        target = idle_store(cut)
        target.set_color(frame, component, parse_color(request.color), base_revision=request.base_revision)
        return component_info(target, frame, component)

    @app.get("/api/cuts/{cut}/frames/{frame}/gaps", response_model=Gaps, tags=["gaps"])
    def get_gaps(cut: str, frame: str) -> Gaps:
        """The frame's gap closures: the automatic ones in effect, the ones drawn by hand and the automatic
        ones removed (the painter's edits, kept in the workspace per frame)."""
        return Gaps(**store(cut).gaps(frame))

    @app.post("/api/cuts/{cut}/frames/{frame}/gaps", response_model=Gaps, tags=["gaps"])
    def edit_gaps(cut: str, frame: str, request: GapEditRequest) -> Gaps:
        """Close a gap by hand (``add``) or open a closure (``remove``). The frame is segmented again with
        the edits and colored again from its reference; locked fixes whose component is still there stay.
        Only this frame changes (re-propagate to carry it on); undoable. The edits are kept through
        colorize, re-propagation and restarts."""
        target = idle_store(cut)
        target.edit_gaps(frame, add=request.add, remove=request.remove, base_revision=request.base_revision)
        return Gaps(**target.gaps(frame))

    @app.delete("/api/cuts/{cut}/frames/{frame}/gaps", response_model=Gaps, tags=["gaps"])
    def clear_gaps(
        cut: str,
        frame: str,
        base_revision: Annotated[int | None, Query(description="The revision the client saw; 409 if the cut changed since.")] = None,
    ) -> Gaps:
        """Drop the frame's gap edits (back to the automatic closures) and color it again; undoable.
        409 ``no_gap_edits`` when it has none."""
        target = idle_store(cut)
        target.edit_gaps(frame, clear=True, base_revision=base_revision)
        return Gaps(**target.gaps(frame))

    @app.post("/api/cuts/{cut}/frames/{frame}/propagate", response_model=JobInfo, status_code=202, tags=["jobs"])
    def propagate(cut: str, frame: str) -> JobInfo:
        """Start recoloring the frames after this one (in propagation order) with its current colors as
        the reference; every locked correction is kept."""
        target = store(cut)
        target.frame_state(frame)
        job = jobs.submit("propagate", target.name, lambda progress: target.propagate(frame, progress=progress))
        return JobInfo(**_job_fields(job.as_dict()))

    @app.post("/api/cuts/{cut}/frames/{frame}/colored", response_model=JobInfo, status_code=202, tags=["jobs"])
    def make_colored(cut: str, frame: str, request: HistoryRequest | None = None) -> JobInfo:
        """Make this frame a colored frame (its current result, the painter's fixes included: e.g. the frame to color
        next, fixed) and start coloring the cut again, every frame from each colored frame (locked
        fixes stay; clears undo history, as Colorize). The cut's gt/ folder is never written: the frame is kept in the
        workspace's state."""
        target = idle_store(cut)
        target.make_colored(frame, base_revision=(request or HistoryRequest()).base_revision)
        return recolorize(target)

    @app.put("/api/cuts/{cut}/frames/{frame}/colored", response_model=JobInfo, status_code=202, tags=["jobs"])
    def upload_colored(
        cut: str,
        frame: str,
        colored: Annotated[UploadFile, File(description="The frame painted in a paint tool (PNG, TGA, TIFF or JPEG), the size of its line frame.")],
    ) -> JobInfo:
        """Add a colored frame painted elsewhere to this line frame (kept in the workspace's state, as a colored frame
        made in the page; the cut's gt/ is never written) and start coloring the cut again. Checked as uploads are
        (413 ``image_too_large``, 415 ``not_an_image``, 400 ``size_mismatch``)."""
        from paintmatch.io import image_info
        from paintmatch.web.upload import read_colored_upload

        target = idle_store(cut)
        line = image_info(target.frame_path(frame))
        image = read_colored_upload(workspace.state_dir / "uploads", UploadedFile(colored.filename or "", colored.file),
                                    (line.width, line.height), max_file_bytes=config.max_file_bytes,
                                    max_pixels=config.max_pixels)
        target.make_colored(frame, image=image)
        return recolorize(target)

    @app.delete("/api/cuts/{cut}/frames/{frame}/colored", response_model=JobInfo, status_code=202, tags=["jobs"])
    def unmake_colored(cut: str, frame: str, request: HistoryRequest | None = None) -> JobInfo:
        """Stop using a colored frame made in the page, and start coloring the cut again (gt/'s cannot be removed)."""
        target = idle_store(cut)
        target.unmake_colored(frame, base_revision=(request or HistoryRequest()).base_revision)
        return recolorize(target)

    @app.post("/api/cuts/{cut}/undo", response_model=CutDetail, tags=["corrections"])
    def undo(cut: str, request: HistoryRequest | None = None) -> CutDetail:
        """Undo the last correction, gap edit or re-propagation."""
        target = store(cut)
        target.undo(base_revision=(request or HistoryRequest()).base_revision)
        return detail(target)

    @app.post("/api/cuts/{cut}/redo", response_model=CutDetail, tags=["corrections"])
    def redo(cut: str, request: HistoryRequest | None = None) -> CutDetail:
        """Redo the last undone step."""
        target = store(cut)
        target.redo(base_revision=(request or HistoryRequest()).base_revision)
        return detail(target)

    @app.get("/api/cuts/{cut}/palette", response_model=Palette, tags=["corrections"])
    def palette(cut: str) -> Palette:
        """The painter's palette: ``reference_palette`` of the colored frames (flat areas, never antialiased
        blends), largest area first, without duplicates; then the colors added by corrections."""
        return Palette(colors=store(cut).palette())

    @app.get("/api/cuts/{cut}/corrections", response_model=Corrections, tags=["corrections"])
    def corrections(cut: str) -> Corrections:
        """The locked corrections (as stored in the workspace)."""
        target = store(cut)
        return Corrections(cut=target.name, revision=target.revision, corrections=target.corrections())

    @app.get(
        "/api/cuts/{cut}/export",
        response_class=FileResponse,
        responses={200: {"content": {"application/zip": {}}, "description": "zip of the cut"}},
        tags=["export"],
    )
    def export(
        cut: str,
        format: Annotated[Literal["png", "tga"], Query(description="Image format.")] = "png",
        layers: Annotated[bool, Query(description="Also write <name>_paint and <name>_lines layers.")] = False,
        line_mode: Annotated[Literal["keep", "recolor"], Query(description="Lines as drawn, or trace lines recolored.")] = "keep",
    ) -> FileResponse:
        """The whole cut as a zip: <cut>/<frame>.png|tga (+ layers), <frame>.json sidecars, corrections.json."""
        target = store(cut)
        if jobs.active(target.name):
            raise ApiError(409, "cut_busy", f"cut {cut} has a job running; export when it is done")
        path = target.export(workspace.exports_dir(), output_format=format, layers=layers, line_mode=line_mode)
        return FileResponse(path, media_type="application/zip", filename=path.name)

    return app


def _job_fields(job: dict[str, Any]) -> dict[str, Any]:
    return {key: job[key] for key in ("id", "kind", "cut", "state", "done", "total", "current", "error", "result")}
