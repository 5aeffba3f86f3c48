"""Shipped weights: every file in paintmatch/models is registered, checked by sha256, and rebuilt by `make weights`."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from paintmatch.features import MODELS, MODELS_DIR, get_weights, sha256_of
from paintmatch.match import MATCHERS

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "configs"
# Configs that rebuild no shipped weights, and why they stay.
NOT_SHIPPED = {"tiny.yaml": "the test model (tests/test_train.py)"}


def weights_recipe() -> list[list[str]]:
    """The commands of the Makefile's ``weights`` target, split into words (``$(VENV)`` expanded)."""
    lines = (REPO / "Makefile").read_text().splitlines()
    heads = [i for i, line in enumerate(lines) if line.startswith("weights:")]
    assert len(heads) == 1, "the Makefile needs exactly one `weights:` target"
    commands = []
    for line in lines[heads[0] + 1 :]:
        if not line.startswith("\t"):
            break
        commands.append(shlex.split(line.strip().replace("$(VENV)", ".venv")))
    assert commands, "`make weights` runs no command"
    return commands


def _train_runs(commands: list[list[str]]) -> list[tuple[str, str]]:
    """(config path, output folder) of every ``paintmatch train`` command, in order."""
    runs = []
    for words in commands:
        if Path(words[0]).name == "paintmatch" and words[1] == "train":
            assert "--config" in words and "--out" in words, f"give --config and --out: {shlex.join(words)}"
            runs.append((words[words.index("--config") + 1], words[words.index("--out") + 1]))
    return runs


def _copies(commands: list[list[str]]) -> dict[str, str]:
    """Shipped file name -> the run output it is copied from (``cp SRC... src/paintmatch/models/``)."""
    copied = {}
    for words in commands:
        if words[0] == "cp":
            *sources, destination = words[1:]
            assert Path(destination) == Path("src/paintmatch/models"), f"copy into src/paintmatch/models: {shlex.join(words)}"
            for source in sources:
                copied[Path(source).name] = source
    return copied


def test_every_shipped_file_is_rebuilt_by_make_weights() -> None:
    commands = weights_recipe()
    runs = _train_runs(commands)
    copies = _copies(commands)
    shipped = sorted(p.name for p in MODELS_DIR.iterdir() if p.suffix in (".onnx", ".json"))
    assert shipped and sorted(copies) == shipped, "`make weights` must write exactly the files in paintmatch/models"
    outputs = {out: config for config, out in runs}
    for name, source in copies.items():
        folder = str(Path(source).parent)
        assert folder in outputs, f"{source} is made by no `paintmatch train --out {folder}` of `make weights`"
        # Training writes <config name>[-int8|-fp16].onnx/.json in its output folder.
        config_name = Path(outputs[folder]).stem
        assert Path(name).stem in {config_name, f"{config_name}-int8", f"{config_name}-fp16"}, name
        if name.endswith(".json"):
            description = json.loads((MODELS_DIR / name).read_text())
            assert description["file"] == Path(name).with_suffix(".onnx").name
            assert f"--config {outputs[folder]}" in description["train_command"], (name, description["train_command"])


def test_make_weights_runs_each_recipe_after_what_it_starts_from() -> None:
    import yaml

    runs = _train_runs(weights_recipe())
    done: set[str] = set()
    for config, out in runs:
        path = REPO / config
        assert path.is_file() and path.parent == CONFIGS, f"{config} is not a file in configs/"
        raw = yaml.safe_load(path.read_text())
        assert Path(out).name == raw["name"] == path.stem, f"{config}: its name, its file and its --out differ"
        if raw.get("init_from"):
            assert str(Path(raw["init_from"]).parent) in done, f"{config} starts from {raw['init_from']}, not made before it"
        done.add(out)


def test_make_weights_trains_the_color_choice_on_the_part_fields_it_just_made() -> None:
    # The choice colors its training cuts with `best`'s defaults, which load the part fields from paintmatch/models:
    # copied in after it, they would be the fields shipped before, not the ones the recipe made.
    import yaml

    commands = weights_recipe()
    kinds = {out: yaml.safe_load((REPO / config).read_text()).get("kind") for config, out in _train_runs(commands)}
    choice_at = [i for i, words in enumerate(commands)
                 if "train" in words and kinds[words[words.index("--out") + 1]] == "color-choice"]
    fields_copied_at = [i for i, words in enumerate(commands) if words[0] == "cp"
                        and any(kinds.get(str(Path(source).parent)) == "part-field" for source in words[1:-1])]
    assert choice_at and fields_copied_at and min(choice_at) > max(fields_copied_at)


def test_configs_hold_only_the_recipes_of_shipped_weights() -> None:
    run = {Path(config).name for config, _ in _train_runs(weights_recipe())}
    for path in sorted(CONFIGS.glob("*.yaml")):
        assert path.name in run or path.name in NOT_SHIPPED, (
            f"configs/{path.name} rebuilds no shipped weights: add it to `make weights` or delete it "
            "(its history stays in git)"
        )


def test_configs_run_by_make_weights_are_valid() -> None:
    pytest.importorskip("torch")
    from paintmatch.train import load_config
    from paintmatch.train.config import read_yaml
    from paintmatch.train.color_choice import load_color_choice_config
    from paintmatch.train.part_field import load_part_field_config

    loaders = {"part-field": load_part_field_config, "color-choice": load_color_choice_config}
    for config, _ in _train_runs(weights_recipe()):
        path = REPO / config
        raw = read_yaml(path)
        loaded = loaders[raw["kind"]](raw, path) if raw.get("kind") in loaders else load_config(path)
        assert loaded.name == path.stem


@pytest.mark.parametrize("name", sorted(MODELS))
def test_registered_model_is_shipped_and_checks_out(name: str) -> None:
    weights = get_weights(name)
    assert weights.path.parent == MODELS_DIR and weights.path.is_file()
    assert weights.onnx_path.is_file(), f"{name}: {weights.onnx_path} is missing"
    assert sha256_of(weights.onnx_path) == weights.sha256, f"{name}: {weights.onnx_path} does not match its sha256"


def test_every_shipped_file_is_registered() -> None:
    registered = {get_weights(name).onnx_path.name for name in MODELS}
    shipped = {p.name for p in MODELS_DIR.glob("*.onnx")}
    assert shipped == registered, f"shipped but not registered: {sorted(shipped - registered)}"
    assert sum((MODELS_DIR / f).stat().st_size for f in shipped) <= 50 * 2**20


def test_shipped_weights_are_exactly_those_the_registered_matchers_run() -> None:
    """Issue 20: ship the weights registered methods use and no others (each matcher lists them in ``models()``)."""
    from paintmatch.match import get_matcher, matcher_names, models_of

    used = {get_weights(model).onnx_path.name for name in matcher_names() for model in models_of(get_matcher(name))}
    assert used == {p.name for p in MODELS_DIR.glob("*.onnx")}


def test_paper_presets_use_the_papers_backbone() -> None:
    from paintmatch.match import get_matcher

    assert get_weights("default").architecture == "resnet34"
    assert get_weights("default") == get_weights("resnet34-c32-synth")
    for name in ("paper", "paper-equal", "resnet-only"):
        matcher = get_matcher(name)
        assert matcher.features == "deep" and get_weights(matcher.model).architecture == "resnet34", name
    best_deep = get_matcher("best-deep")
    assert best_deep.settings.features == "deep" and get_weights(best_deep.model).architecture == "resnet34"
    assert "paper-resnet34" not in MATCHERS  # `paper` is the ResNet-34 now
