"""Training of the color choice of ``best`` (``paintmatch.match._color_choice``): gradient-boosted trees, as ONNX.

Production-like cuts are generated (``paintmatch.synth``, seeds no benchmark suite uses) and colored with ``best``
as ``colorize`` does, the color choice off, from their first and last drawing in turn. Every candidate color of every
component over ``MAX_SPECK`` px of every other drawing is a row (``CHOICE_COLUMNS``), labelled by whether it is the
majority color of the truth under the component. scikit-learn's ``HistGradientBoostingClassifier`` is fitted on the
training cuts; the validation cuts say how many of their components the choice gets right against ``best`` without
it. The trees are written as one ONNX ``TreeEnsembleRegressor`` (logistic output: P(right)) that onnxruntime runs.

    paintmatch train --config configs/color-choice-production.yaml --out runs/color-choice-production
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from paintmatch.errors import InputError
from paintmatch.features import ModelWeights, sha256_of
from paintmatch.match._color_choice import CHOICE_COLUMNS, MAX_SPECK, Candidates, likeliest_rows
from paintmatch.train.config import config_of_kind, require_positive, require_positive_ints

__all__ = ["ColorChoiceConfig", "load_color_choice_config", "train_color_choice", "trees_to_onnx", "KIND"]

KIND = "color-choice"


@dataclass
class ColorChoiceConfig:
    """Everything a color-choice training run depends on (``kind: color-choice`` in the YAML).

    Attributes
    ----------
    name : str
        Output files ``<name>.onnx`` / ``<name>.json``.
    train_cuts, val_cuts, frames, size, seed : int
        Production-like cuts (``paintmatch.synth.generate_suite``, ``style="production"``, from ``seed``): the first
        ``train_cuts`` fit the model, the next ``val_cuts`` validate it; drawings per cut, frame size in px.
    learning_rate, max_iter, max_leaf_nodes, min_samples_leaf, l2_regularization
        ``HistGradientBoostingClassifier``'s (no early stopping: the number of trees is ``max_iter``).
    """

    name: str = "color-choice"
    kind: str = KIND
    train_cuts: int = 36
    val_cuts: int = 4
    frames: int = 8
    size: int = 1024
    seed: int = 60_000
    learning_rate: float = 0.1
    max_iter: int = 500
    max_leaf_nodes: int = 63
    min_samples_leaf: int = 20
    l2_regularization: float = 1.0


def load_color_choice_config(raw: dict, path: Path) -> ColorChoiceConfig:
    """A ``ColorChoiceConfig`` from a parsed YAML mapping; unknown keys and bad values are an ``InputError``."""
    config = config_of_kind(ColorChoiceConfig, raw, path, KIND)
    require_positive_ints(config, ("train_cuts", "val_cuts", "size", "max_iter", "max_leaf_nodes", "min_samples_leaf"), path)
    if not isinstance(config.frames, int) or config.frames < 3:
        raise InputError(f"{path}: 'frames' must be at least 3 (two references and a drawing to color), got {config.frames!r}")
    require_positive(config, ("learning_rate",), path)
    if config.l2_regularization < 0:
        raise InputError(f"{path}: 'l2_regularization' must be 0 or more, got {config.l2_regularization!r}")
    return config


class _Recorder:
    """``best`` with the color choice off that keeps each target's candidates (by the target's segmentation)."""

    def __init__(self):
        from paintmatch.match import get_matcher

        self.matcher = get_matcher("best", **{"color_choice.enabled": False})
        self.candidates: dict[int, Candidates] = {}
        self.uses_anchor = True
        self.name = "best"

    def match(self, reference, target, anchor=None):
        stages = self.matcher.match_stages(reference, target, anchor, with_candidates=True)
        if stages.candidates is not None:
            self.candidates[id(target.seg)] = stages.candidates
        return self.matcher.calibration(stages, target.seg.areas) if self.matcher.calibration else stages.final


@dataclass
class _Rows:
    """Candidate rows: ``features`` (m, F) float32, ``right`` (m,) bool, ``is_final`` (m,) bool, ``group`` (m,) int
    (one group per scored component)."""

    features: np.ndarray
    right: np.ndarray
    is_final: np.ndarray
    group: np.ndarray


def collect_rows(cuts: list[Path], log: Callable[[str], None]) -> _Rows:
    """The candidate rows of every scored component of ``cuts``, each colored from its first and last drawing."""
    from paintmatch.evaluate.every_reference import every_reference_frames
    from paintmatch.evaluate.regions import truth_under_components
    from paintmatch.rgba import pack_rgba

    recorder = _Recorder()
    features, right, is_final, group = [], [], [], []
    groups = 0
    for number, cut in enumerate(cuts, 1):
        for _, _, _, result, truth in every_reference_frames(cut, recorder, 2):
            candidates = recorder.candidates.pop(id(result.frame.seg), None)
            if candidates is None or result.passed_through:
                continue
            seg = result.frame.seg
            majority = truth_under_components(seg.labels, seg.n, truth)
            features.append(candidates.features)
            right.append(pack_rgba(candidates.color) == majority[candidates.component])
            is_final.append(candidates.is_final)
            _, dense = np.unique(candidates.component, return_inverse=True)
            group.append(dense + groups)
            groups += int(dense.max()) + 1 if dense.size else 0
        log(f"cut {number}/{len(cuts)} {cut.name}: {sum(len(f) for f in features)} candidate rows")
    return _Rows(np.concatenate(features), np.concatenate(right), np.concatenate(is_final), np.concatenate(group))


def chosen_right(p: np.ndarray, rows: _Rows, margin: float = 0.0) -> tuple[float, float, float]:
    """``(before, after, changed)``: the share of the groups whose color is right without and with the choice (the
    most likely row where it beats the group's own by over ``margin``), and the share the choice changes."""
    count = int(rows.group.max()) + 1
    own = np.zeros(count)
    own[rows.group[rows.is_final]] = p[rows.is_final]
    before = np.zeros(count)
    before[rows.group[rows.is_final]] = rows.right[rows.is_final]
    last = likeliest_rows(p, rows.group)
    change = p[last] > own[rows.group[last]] + margin
    after = np.where(change, rows.right[last], before[rows.group[last]])
    return float(before.mean()), float(after.mean()), float(change.mean())


def _float32_at_most(values: np.ndarray) -> np.ndarray:
    """The largest float32 not above each float64 value: ``x <= t`` reads the same for float32 ``x`` either way."""
    rounded = values.astype(np.float32)
    return np.where(rounded.astype(np.float64) > values, np.nextafter(rounded, np.float32(-np.inf)), rounded)


def trees_to_onnx(model, n_features: int):
    """scikit-learn's fitted binary ``HistGradientBoostingClassifier`` as an ONNX model: input ``features`` (m, F)
    float32, output ``probability`` (m, 1) float32 (the logistic of the trees' sum).

    Written here from the fitted trees' node arrays: skl2onnx 1.20, the library's converter, fails on scikit-learn
    1.9's trees (it writes a boolean into an ONNX integer list). Numerical splits only, no missing values (the
    columns never hold NaN).
    """
    import onnx
    from onnx import TensorProto, helper

    tree_ids, node_ids, feature_ids, thresholds, modes, true_ids, false_ids = [], [], [], [], [], [], []
    target_tree, target_node, target_weight = [], [], []
    for tree, (predictor,) in enumerate(model._predictors):
        nodes = predictor.nodes
        for index, node in enumerate(nodes):
            tree_ids.append(tree)
            node_ids.append(index)
            if node["is_leaf"]:
                modes.append("LEAF")
                feature_ids.append(0)
                thresholds.append(0.0)
                true_ids.append(0)
                false_ids.append(0)
                target_tree.append(tree)
                target_node.append(index)
                target_weight.append(float(node["value"]))
            else:
                if node["is_categorical"]:
                    raise ValueError("categorical splits are not exported")
                modes.append("BRANCH_LEQ")
                feature_ids.append(int(node["feature_idx"]))
                thresholds.append(float(node["num_threshold"]))
                true_ids.append(int(node["left"]))
                false_ids.append(int(node["right"]))
    baseline = float(np.ravel(model._baseline_prediction)[0])
    ensemble = helper.make_node(
        "TreeEnsembleRegressor", ["features"], ["logit"], domain="ai.onnx.ml", n_targets=1,
        nodes_treeids=tree_ids, nodes_nodeids=node_ids, nodes_featureids=feature_ids,
        nodes_values=_float32_at_most(np.asarray(thresholds)).tolist(), nodes_modes=modes, nodes_truenodeids=true_ids,
        nodes_falsenodeids=false_ids, nodes_missing_value_tracks_true=[0] * len(tree_ids), target_treeids=target_tree,
        target_nodeids=target_node, target_ids=[0] * len(target_tree), target_weights=target_weight,
        base_values=[baseline], aggregate_function="SUM", post_transform="NONE",
    )
    # onnxruntime's regressor leaves its sum as it is under post_transform LOGISTIC: a Sigmoid node of its own.
    sigmoid = helper.make_node("Sigmoid", ["logit"], ["probability"])
    graph = helper.make_graph(
        [ensemble, sigmoid], "color_choice",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [None, n_features])],
        [helper.make_tensor_value_info("probability", TensorProto.FLOAT, [None, 1])],
    )
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)])
    onnx_model.ir_version = 8
    onnx.checker.check_model(onnx_model)
    return onnx_model


def train_color_choice(config: ColorChoiceConfig, out: Path, *, train_command: str,
                       log: Callable[[str], None] = print) -> ModelWeights:
    """Generate the cuts, collect the rows, fit, validate, export ``out/<name>.onnx`` and ``.json``."""
    import onnx
    from sklearn.ensemble import HistGradientBoostingClassifier

    from paintmatch.features._session import open_session
    from paintmatch.synth import generate_suite

    start = time.time()
    out.mkdir(parents=True, exist_ok=True)
    folder = out / "cuts"
    total = config.train_cuts + config.val_cuts
    stamp = folder / "config.json"
    wanted = {"cuts": total, "frames": config.frames, "size": config.size, "seed": config.seed}
    if not (stamp.is_file() and json.loads(stamp.read_text()) == wanted):
        log(f"generating {total} production-like cuts (seed {config.seed}) into {folder}")
        cuts = generate_suite(folder, cuts=total, frames=config.frames, seed=config.seed, size=config.size,
                              style="production")
        stamp.write_text(json.dumps(wanted))
    else:
        cuts = sorted(p for p in folder.iterdir() if p.is_dir())
    train_rows = collect_rows(cuts[: config.train_cuts], log)
    val_rows = collect_rows(cuts[config.train_cuts :], log)
    model = HistGradientBoostingClassifier(
        learning_rate=config.learning_rate, max_iter=config.max_iter, max_leaf_nodes=config.max_leaf_nodes,
        min_samples_leaf=config.min_samples_leaf, l2_regularization=config.l2_regularization, early_stopping=False,
        random_state=0,
    ).fit(train_rows.features, train_rows.right)
    onnx_model = trees_to_onnx(model, len(CHOICE_COLUMNS))
    path = out / f"{config.name}.onnx"
    tmp = path.with_suffix(".tmp")
    onnx.save(onnx_model, str(tmp))
    tmp.replace(path)
    session = open_session(path)
    p_onnx = session.run(None, {"features": val_rows.features})[0].reshape(-1).astype(np.float64)
    p_sklearn = model.predict_proba(val_rows.features)[:, 1]
    difference = float(np.abs(p_onnx - p_sklearn).max())
    if difference > 1e-4:
        raise RuntimeError(f"the ONNX trees differ from scikit-learn's by {difference:.2e}: not written")
    before, after, changed = chosen_right(p_onnx, val_rows)
    log(f"validation cuts: {before:.4f} of the components over {MAX_SPECK} px right without the choice, {after:.4f} with "
        f"it ({changed:.3f} changed)")
    description = path.with_suffix(".json")
    weights = ModelWeights(
        file=path.name, sha256=sha256_of(path), architecture="gradient-boosted-trees", crop_size=0,
        channels=CHOICE_COLUMNS, context=0.0, embedding_dim=1, train_command=train_command,
        metrics={"val_right_without": round(before, 4), "val_right_with": round(after, 4),
                 "val_changed": round(changed, 4), "train_rows": int(len(train_rows.right)),
                 "val_rows": int(len(val_rows.right)), "onnx_max_difference": difference,
                 "seconds": int(time.time() - start)},
        path=description.resolve(),
    )
    tmp = description.with_suffix(".tmp")
    tmp.write_text(weights.to_json())
    tmp.replace(description)
    (out / "config.json").write_text(json.dumps(asdict(config), indent=2) + "\n")
    return weights
