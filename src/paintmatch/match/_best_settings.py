"""Settings of ``best``: one small frozen dataclass per stage, defaults read from ``best_defaults.yaml``.

The dataclasses have no defaults of their own: every value comes from the one versioned file beside this
module, where each one carries the measurement that chose it. ``BestSettings.replace`` applies keyword
overrides, by their flat names of old (``w_pos``, ``fb_tol``...) or by ``group.field`` paths.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULTS_PATH",
    "Weights",
    "AlignSettings",
    "FlowSettings",
    "PartFieldSettings",
    "NeighbourSettings",
    "VoteSettings",
    "AnchorSettings",
    "TraceLineSettings",
    "ColorChoiceSettings",
    "ConfidenceSettings",
    "BestSettings",
    "FLAT_NAMES",
    "load_defaults",
]

#: The defaults file: every setting's value and the reason for it.
DEFAULTS_PATH = Path(__file__).with_name("best_defaults.yaml")


@dataclass(frozen=True)
class Weights:
    """Weights of the evidence terms in the cost (each term is an (n_t, n_r) cost, about 0..1 or in diagonals).

    Attributes
    ----------
    background : float
        Penalty where a component away from the frame border meets the reference's transparent background.
    area, feat, trace, pos, flow, part : float
        |log area difference|, eq. (1) feature distance, differing trace-line sides,
        centroid distance after alignment (drawing diagonals), 1 - flow coverage, 1 - part-field cosine.
    """

    background: float
    area: float
    feat: float
    trace: float
    pos: float
    flow: float
    part: float


@dataclass(frozen=True)
class AlignSettings:
    """Global similarity alignment before the position term.

    Attributes
    ----------
    enabled : bool
    confident_margin : float
        A rough match (appearance + position) counts for the RANSAC fit when its runner-up costs this much more.
    ransac_threshold : float
        RANSAC reprojection threshold, in drawing diagonals.
    """

    enabled: bool
    confident_margin: float
    ransac_threshold: float


@dataclass(frozen=True)
class FlowSettings:
    """Optical flow between the line arts (``flow_evidence``).

    Attributes
    ----------
    enabled : bool
        Compute the flow (off: no flow term, no tiny-region vote).
    method : str
        Forward flow algorithm (``paintmatch.match.baselines.FLOW_METHODS``).
    side : int
        Flow runs on frames reduced to at most this many pixels per side.
    clip : float
        Distance (pixels at ``side``) at which the line field saturates.
    color_vote : float
        Share of the flow term counted per color rather than per component (0..1).
    check_tol : float
        Forward-backward error (reduced pixels) under which a pixel's flow is reliable (0: no check).
    check_floor : float
        Flow weight left to a component with no reliable pixel (share of the flow weight).
    check_method : str
        Backward flow algorithm.
    check_max_share : float
        Components over this share of the frame are not checked (a majority over many pixels).
    guided : bool
        After the first assignment, run the flow again from the motion of the confidently matched regions
        (``GuidedFlow``), then assign again.
    guide_margin : float
        A match guides the flow when the cheapest reference component of another color costs this much more.
    guide_sigma : float
        Spread of each guiding region's displacement (pixels of the flow's grid).
    """

    enabled: bool
    method: str
    side: int
    clip: float
    color_vote: float
    check_tol: float
    check_floor: float
    check_method: str
    check_max_share: float
    guided: bool
    guide_margin: float
    guide_sigma: float


@dataclass(frozen=True)
class PartFieldSettings:
    """The part field (``paintmatch.features.part_field``): its term and its veto.

    Attributes
    ----------
    model : str
        Registered part-field weights.
    mirror : str
        The fields of ``model`` (joined by ``+``) that also see the mirrored frame, each view one more field of the
        ensemble ("" none).
    max_share : float
        The part term counts only between components both up to this share of their frames.
    veto : float
        Cosine margin by which the part field must prefer another color of the painter's frame (0: no veto).
    veto_max_share : float
        The veto speaks only for components up to this share of their frame.
    """

    model: str
    mirror: str
    max_share: float
    veto: float
    veto_max_share: float


@dataclass(frozen=True)
class NeighbourSettings:
    """Neighbourhood consistency: support from matched neighbours lowers a pair's cost, then re-assignment.

    Attributes
    ----------
    enabled : bool
    weight : float
        Cost lowered by ``weight`` times the share of supporting neighbours.
    rounds : int
        Rounds of support and re-assignment.
    """

    enabled: bool
    weight: float
    rounds: int


@dataclass(frozen=True)
class VoteSettings:
    """Flow votes for the components whose one-by-one match is weakest.

    Attributes
    ----------
    tiny_area : int
        Components under this many pixels take the majority color the flow maps them to (0: off).
    """

    tiny_area: int


@dataclass(frozen=True)
class AnchorSettings:
    """The painter's colored frame as a second reference beside the previous painted frame.

    Attributes
    ----------
    enabled : bool
    margin : float
        The anchor's match wins where its score exceeds the previous frame's by more than this.
    part_weight : float
        A match's score: its assignment confidence plus this times the part field's support for its color (0: the
        confidence alone).
    """

    enabled: bool
    margin: float
    part_weight: float


@dataclass(frozen=True)
class TraceLineSettings:
    """Trace-line consistency: across each trace line, a pair of colors the painter's frame also has there.

    Attributes
    ----------
    enabled : bool
    min_length : int
        Only seams of at least this many px between two target components are checked.
    margin : float
        A component is recolored unless the part field prefers its own color by more than this (cosine).
    max_area : int
        Components over this many px keep their color.
    junction_radius : int
        Seam pixels this close (px) to a main line are not counted, in either frame (where a trace line meets or
        crosses an outline, the components across the outline seem to meet it).
    """

    enabled: bool
    min_length: int
    margin: float
    max_area: int
    junction_radius: int


@dataclass(frozen=True)
class ColorChoiceSettings:
    """The color choice (``paintmatch.match._color_choice``): a learned model picks among each component's likely colors.

    Attributes
    ----------
    enabled : bool
    model : str
        The registered color-choice model (``paintmatch.features.MODELS``).
    margin : float
        A component takes another candidate where the model's probability for it beats its own color's by over this.
    transparent_margin : float
        The margin a transparent candidate must beat instead (a painted region made transparent is a hole in the
        character that the painter must find and fill; ``inf``: never).
    """

    enabled: bool
    model: str
    margin: float
    transparent_margin: float


@dataclass(frozen=True)
class ConfidenceSettings:
    """The calibrated confidence: a logistic model of P(the component's color is right).

    ``sigmoid(bias + w_prev * c_prev + w_anchor * c_anchor + w_agree * agree + w_other * other
    + w_area * min(log area, 10) / 10 + w_completion * completion + w_prev_agree * c_prev * agree
    + w_part_gap * part_gap + w_part_top * part_top + w_views_agree * views_agree + w_same_neighbours * same
    + w_unseen_beside_itself * unseen_beside_itself)``, where
    ``c_prev`` and ``c_anchor`` are the assignment confidences against the previous painted frame and the painter's
    frame, ``agree`` whether the two gave the same color, ``other`` whether the final color is neither (a vote or
    the veto), ``completion`` whether the previous frame's match was a many-to-one completion, ``part_gap``,
    ``part_top`` and ``views_agree`` the part field's agreement with the final color
    (``paintmatch.match._refine.PartAgreement``),
    ``same`` and ``unseen_beside_itself`` the share of neighbours of the component's color
    (``paintmatch.match._refine.NeighbourColors``).

    Attributes
    ----------
    enabled : bool
        Off: ``confidence`` is the assignment's (of the reference that won).
    bias, w_prev, w_anchor, w_agree, w_other, w_area, w_completion, w_prev_agree, w_part_gap, w_part_top : float
    w_views_agree, w_same_neighbours, w_unseen_beside_itself : float
        The model's coefficients (``benchmarks/fit_confidence.py``).
    """

    enabled: bool
    bias: float
    w_prev: float
    w_anchor: float
    w_agree: float
    w_other: float
    w_area: float
    w_completion: float
    w_prev_agree: float
    w_part_gap: float
    w_part_top: float
    w_views_agree: float
    w_same_neighbours: float
    w_unseen_beside_itself: float

    @staticmethod
    def coefficient_names() -> tuple[str, ...]:
        """The coefficients' names in ``CalibratedConfidence``'s order: bias, then one per ``confidence_features`` column."""
        return tuple(f.name for f in dataclasses.fields(ConfidenceSettings) if f.name != "enabled")

    @property
    def coefficients(self) -> tuple[float, ...]:
        """The values of ``coefficient_names``, in that order."""
        return tuple(getattr(self, name) for name in self.coefficient_names())


@dataclass(frozen=True)
class BestSettings:
    """Every setting of ``best``, grouped by stage; ``load_defaults()`` gives the shipped values.

    Attributes
    ----------
    features : {"shape", "deep", "none"}
        Appearance features of the ``feat`` term.
    model : str
        Deep feature weights (with ``features="deep"``).
    slack : float
        Many-to-one completion margin of the assignment (``paintmatch.match.simple.assign``).
    weights, align, flow, part_field, neighbours, votes, anchor, trace_lines, color_choice, confidence
        The stages' own settings.
    """

    features: str
    model: str
    slack: float
    weights: Weights
    align: AlignSettings
    flow: FlowSettings
    part_field: PartFieldSettings
    neighbours: NeighbourSettings
    votes: VoteSettings
    anchor: AnchorSettings
    trace_lines: TraceLineSettings
    color_choice: ColorChoiceSettings
    confidence: ConfidenceSettings

    def replace(self, **overrides: Any) -> "BestSettings":
        """A copy with ``overrides`` applied: flat names (``w_pos=2``) or ``group.field`` paths (``**{"flow.side": 640}``).

        Raises
        ------
        ValueError
            For an unknown name (with the closest known one) or a value of the wrong type.
        """
        top: dict[str, Any] = {}
        groups: dict[str, dict[str, Any]] = {}
        for key, value in overrides.items():
            path = FLAT_NAMES.get(key, key)
            group, _, name = path.rpartition(".")
            if path not in _TYPES:
                known = sorted(set(FLAT_NAMES) | set(_TYPES))
                close = difflib.get_close_matches(key, known, n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise ValueError(f"unknown setting {key!r} of best.{hint} Known: {', '.join(known)}")
            value = _checked(key, value, _TYPES[path])
            (groups.setdefault(group, {}) if group else top)[name] = value
        for group, values in groups.items():
            top[group] = dataclasses.replace(getattr(self, group), **values)
        return dataclasses.replace(self, **top)

    def flat(self) -> dict[str, Any]:
        """Every setting by its ``group.field`` path (top-level ones by their name)."""
        result: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if dataclasses.is_dataclass(value):
                result.update({f"{f.name}.{g.name}": getattr(value, g.name) for g in dataclasses.fields(value)})
            else:
                result[f.name] = value
        return result


_GROUPS = {"weights": Weights, "align": AlignSettings, "flow": FlowSettings, "part_field": PartFieldSettings,
           "neighbours": NeighbourSettings, "votes": VoteSettings, "anchor": AnchorSettings,
           "trace_lines": TraceLineSettings, "color_choice": ColorChoiceSettings, "confidence": ConfidenceSettings}


def _field_types() -> dict[str, type]:
    """``group.field`` (or top-level name) -> its Python type, from the dataclasses' annotations."""
    kinds = {"bool": bool, "int": int, "float": float, "str": str}
    types: dict[str, type] = {}
    for f in dataclasses.fields(BestSettings):
        if f.name in _GROUPS:
            types.update({f"{f.name}.{g.name}": kinds[g.type] for g in dataclasses.fields(_GROUPS[f.name])})
        else:
            types[f.name] = kinds[f.type]
    return types


_TYPES = _field_types()

#: The flat keyword names of ``get_matcher("best", ...)`` (benchmarks, configs, the web app) and their paths.
FLAT_NAMES: dict[str, str] = {
    **{f"w_{name}": f"weights.{name}" for name in ("area", "feat", "trace", "pos", "flow", "part")},
    "align": "align.enabled",
    "flow": "flow.enabled",
    "flow_side": "flow.side",
    "color_vote": "flow.color_vote",
    "fb_tol": "flow.check_tol",
    "fb_floor": "flow.check_floor",
    "fb_method": "flow.check_method",
    "fb_max_share": "flow.check_max_share",
    "guided_flow": "flow.guided",
    "part_model": "part_field.model",
    "part_mirror": "part_field.mirror",
    "part_max_share": "part_field.max_share",
    "part_veto": "part_field.veto",
    "veto_max_share": "part_field.veto_max_share",
    "neighbours": "neighbours.enabled",
    "w_neighbours": "neighbours.weight",
    "tiny_area": "votes.tiny_area",
    "anchor": "anchor.enabled",
    "anchor_margin": "anchor.margin",
    "anchor_part": "anchor.part_weight",
    "trace_lines": "trace_lines.enabled",
}


def _checked(name: str, value: Any, kind: type) -> Any:
    """``value`` as a ``kind`` setting: ints are accepted where a float is expected, nothing else converts."""
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ValueError(f"setting {name!r} of best must be a {kind.__name__}; got {value!r}")
    return value


def _read(path: Path) -> dict[str, Any]:
    import yaml

    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict) or not isinstance(data.get("version"), int):
        raise ValueError(f"{path}: not a defaults file of best (a mapping with an integer `version:` first)")
    return data


def defaults_entries(path: Path = DEFAULTS_PATH) -> dict[str, dict[str, Any]]:
    """``group.field`` -> ``{"value": ..., "reason": ...}`` as the file writes them (``version`` left out)."""
    data = _read(path)
    entries: dict[str, dict[str, Any]] = {}
    for key, item in data.items():
        if key == "version":
            continue
        if key in _GROUPS:
            if not isinstance(item, dict):
                raise ValueError(f"{path}: `{key}` must be a mapping of settings")
            entries.update({f"{key}.{name}": entry for name, entry in item.items()})
        else:
            entries[key] = item
    return entries


@functools.lru_cache(maxsize=4)
def load_defaults(path: Path = DEFAULTS_PATH) -> BestSettings:
    """The settings written in ``path`` (default: the shipped ``best_defaults.yaml``).

    Raises
    ------
    ValueError
        Naming the setting that is missing, unknown, without a reason, or of the wrong type.
    """
    entries = defaults_entries(path)
    missing = sorted(set(_TYPES) - set(entries))
    unknown = sorted(set(entries) - set(_TYPES))
    if missing or unknown:
        raise ValueError(f"{path}: settings missing: {', '.join(missing) or 'none'}; unknown: {', '.join(unknown) or 'none'}")
    values: dict[str, Any] = {}
    for key, entry in entries.items():
        if not isinstance(entry, dict) or set(entry) != {"value", "reason"} or not str(entry["reason"]).strip():
            raise ValueError(f"{path}: `{key}` must have exactly a `value` and a non-empty `reason`")
        kind = _TYPES[key]
        if type(entry["value"]) is not kind:
            raise ValueError(f"{path}: `{key}` must be a {kind.__name__}; got {entry['value']!r}")
        values[key] = entry["value"]
    groups = {name: cls(**{k.split(".", 1)[1]: v for k, v in values.items() if k.startswith(name + ".")})
              for name, cls in _GROUPS.items()}
    top = {k: v for k, v in values.items() if "." not in k}
    return BestSettings(**top, **groups)
