"""`best_defaults.yaml`: every setting of `best` is there, typed, with its reason, and is what `best` uses."""

import dataclasses
from pathlib import Path

import pytest
import yaml

from paintmatch.match import get_matcher
from paintmatch.match._best_settings import _TYPES, DEFAULTS_PATH, FLAT_NAMES, BestSettings, defaults_entries, load_defaults


def test_the_file_is_versioned_and_has_every_setting_typed_with_a_reason():
    raw = yaml.safe_load(DEFAULTS_PATH.read_text(encoding="utf-8"))
    assert isinstance(raw["version"], int) and raw["version"] >= 1
    entries = defaults_entries()
    assert set(entries) == set(_TYPES)  # every field of BestSettings and its groups, nothing else
    for path, entry in entries.items():
        assert set(entry) == {"value", "reason"}, path
        assert type(entry["value"]) is _TYPES[path], f"{path}: {entry['value']!r} is not a {_TYPES[path].__name__}"
        reason = entry["reason"]
        assert isinstance(reason, str) and reason.strip() and "\n" not in reason.strip(), path
        # a reason names a measurement (a number) or says honestly that there is none
        assert any(ch.isdigit() for ch in reason) or "not measured" in reason, f"{path}: {reason!r}"


def test_best_uses_exactly_the_defaults_of_the_file():
    settings = load_defaults()
    matcher = get_matcher("best")
    assert matcher.settings == settings
    flat = settings.flat()
    assert flat == {path: entry["value"] for path, entry in defaults_entries().items()}
    # and the stages are built from them
    assert {t.name: t.weight for t in matcher.terms} == dataclasses.asdict(settings.weights)
    assert matcher.assignment.slack == settings.slack
    assert matcher.anchor_merge.margin == settings.anchor.margin
    assert matcher.anchor_merge.part_weight == settings.anchor.part_weight
    assert (matcher.veto.margin, matcher.veto.max_share, matcher.veto.painted_max_share) == (
        settings.part_field.veto, settings.part_field.veto_max_share, settings.part_field.max_share)
    neighbours, tiny = matcher.pair_steps
    assert (neighbours.weight, neighbours.rounds) == (settings.neighbours.weight, settings.neighbours.rounds)
    assert tiny.area == settings.votes.tiny_area


def test_flat_names_of_old_reach_real_settings():
    settings = load_defaults()
    for name, path in FLAT_NAMES.items():
        assert path in _TYPES, name
        value = {bool: False, int: 3, float: 0.125, str: "dis-fast" if "method" in path else "deep"}[_TYPES[path]]
        changed = settings.replace(**{name: value})
        assert changed.flat()[path] == value and changed.replace(**{path: settings.flat()[path]}) == settings


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d["weights"].pop("pos"), "missing: weights.pos"),
    (lambda d: d["flow"].update(extra={"value": 1.0, "reason": "x 1"}), "unknown: flow.extra"),
    (lambda d: d["weights"]["pos"].update(value="4"), "weights.pos.*float"),
    (lambda d: d["votes"]["tiny_area"].update(value=10.0), "votes.tiny_area.*int"),
    (lambda d: d["anchor"]["margin"].pop("reason"), "anchor.margin.*reason"),
    (lambda d: d.pop("version"), "version"),
])
def test_a_broken_defaults_file_is_refused_naming_the_setting(tmp_path: Path, edit, message):
    data = yaml.safe_load(DEFAULTS_PATH.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "defaults.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_defaults(path)


def test_settings_have_no_defaults_of_their_own():
    """The file is the one place the values are written: the dataclasses cannot be built without it."""
    for cls in [BestSettings, *(type(getattr(load_defaults(), f.name)) for f in dataclasses.fields(BestSettings)
                                if dataclasses.is_dataclass(getattr(load_defaults(), f.name)))]:
        for f in dataclasses.fields(cls):
            assert f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING, f"{cls.__name__}.{f.name}"
