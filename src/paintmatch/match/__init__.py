"""Match target components to reference components: the ``Matcher`` interface and its registry.

A matcher takes a reference ``Frame`` (components with known colors) and a target ``Frame`` and
returns a ``Matching``: for every target component, a reference component, a color and a
confidence. Every target component gets a color (fallbacks included): nothing stays unpainted.

Matchers are registered by name in ``MATCHERS``; ``get_matcher(name, **params)`` builds one.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

import numpy as np

from paintmatch.segment import Segmentation

__all__ = ["Frame", "Matching", "Matcher", "MATCHERS", "register_matcher", "get_matcher", "matcher_names", "models_of"]


@dataclass
class Frame:
    """One line-art frame, segmented, with colors if it is a reference.

    Attributes
    ----------
    line : (H, W, 4) ndarray of uint8
        The line art, RGBA.
    seg : Segmentation
        Its components.
    colors : (n, 4) ndarray of uint8 or None
        RGBA per component for a reference frame (alpha 0 = background), ``None`` for a target.
    name : str
        Frame name (file stem), for logs and sidecars.
    cache : dict
        The per-frame store: features of this frame that cost something to compute and are reused
        when the painted target becomes the next reference (and when the anchor is matched again).
        Each key is read and written only by the one function that computes it, which returns the
        value: ``"shape"`` (``simple.shape_descriptors``), ``"features:<source or model>"``
        (``paper.frame_features``, ``paintmatch.features.describe``), ``("part_field", model, mirror)``
        (``paintmatch.features.part_field.component_part_embeddings``), ``("line_field", ...)``
        (``baselines.reduced_line_field``). Nothing else goes here: values one stage hands to
        another travel as return values (``best``'s ``MatchContext`` and ``FlowEvidence``).
    """

    line: np.ndarray
    seg: Segmentation
    colors: np.ndarray | None = None
    name: str = ""
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        """Number of components."""
        return self.seg.n

    def with_colors(self, colors: np.ndarray) -> "Frame":
        """The same frame (sharing its cache) carrying ``colors``: a painted target as a reference."""
        return Frame(line=self.line, seg=self.seg, colors=colors, name=self.name, cache=self.cache)


@dataclass
class Matching:
    """Result of matching one target frame to a reference.

    Attributes
    ----------
    ref_index : (n_t,) ndarray of int32
        Reference component matched to each target component; ``-1`` where the color came from a
        fallback with no single reference component (for example a neighbour vote).
    colors : (n_t, 4) ndarray of uint8
        RGBA color per target component, always one of the reference's colors.
    confidence : (n_t,) ndarray of float32
        In [0, 1]; low values are the ones a painter should check first.
    stage : (n_t,) ndarray of uint8
        Which stage decided: see ``Matching.STAGES``.
    """

    ref_index: np.ndarray
    colors: np.ndarray
    confidence: np.ndarray
    stage: np.ndarray

    STAGES = {0: "first", 1: "graph", 2: "fallback", 3: "locked"}

    @classmethod
    def from_indices(
        cls, ref_index: np.ndarray, reference_colors: np.ndarray, confidence: np.ndarray, stage: np.ndarray
    ) -> "Matching":
        """Build a matching whose colors are ``reference_colors[ref_index]`` (all indices valid)."""
        ref_index = np.asarray(ref_index, dtype=np.int32)
        return cls(
            ref_index=ref_index,
            colors=reference_colors[ref_index].astype(np.uint8),
            confidence=np.asarray(confidence, dtype=np.float32),
            stage=np.asarray(stage, dtype=np.uint8),
        )


class Matcher(Protocol):
    """Anything with ``match(reference, target) -> Matching``."""

    name: str

    def match(self, reference: Frame, target: Frame) -> Matching:
        """Match every component of ``target`` to ``reference`` (whose ``colors`` are set)."""
        ...


def models_of(matcher: Matcher) -> list[str]:
    """Names of the shipped weights ``matcher`` runs (``paintmatch.features.MODELS``), to load them ahead of the first frame.

    A matcher that runs model weights lists them in a ``models()`` method; one without it runs none.
    """
    models = getattr(matcher, "models", None)
    return list(models()) if callable(models) else []


# name -> "module:factory"; imported lazily so heavy matchers cost nothing until used.
MATCHERS: dict[str, str] = {
    "simple": "paintmatch.match.simple:SimpleMatcher",
    "overlap": "paintmatch.match.baselines:OverlapMatcher",
    "flow": "paintmatch.match.baselines:FlowMatcher",
    "resnet-only": "paintmatch.match.paper:resnet_only",
    "paper": "paintmatch.match.paper:paper",
    "paper-equal": "paintmatch.match.paper:paper_equal",
    "best": "paintmatch.match.best:best",
    "best-deep": "paintmatch.match.best:best_deep",
}


def register_matcher(name: str, target: str) -> None:
    """Register a matcher factory ``"module:callable"`` under ``name``."""
    MATCHERS[name] = target


def matcher_names() -> list[str]:
    """Names of the registered matchers, sorted."""
    return sorted(MATCHERS)


def get_matcher(name: str, **params: Any) -> Matcher:
    """Build the matcher registered as ``name`` with keyword ``params``.

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones (and the closest).
    """
    if name not in MATCHERS:
        close = difflib.get_close_matches(name, MATCHERS, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ValueError(f"unknown matcher '{name}'; known: {', '.join(matcher_names())}.{hint}")
    module_name, attr = MATCHERS[name].split(":")
    factory: Callable[..., Matcher] = getattr(importlib.import_module(module_name), attr)
    return factory(**params)
