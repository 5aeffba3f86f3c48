"""benchmarks/errors.py: each wrong region is put down to the right cause, and the tables count them."""

import numpy as np

from conftest import benchmark_module
from paintmatch.rgba import pack_rgba

SKIN, SHIRT, HAIR = (250, 220, 200, 255), (30, 60, 200, 255), (40, 20, 10, 255)
CLEAR = (0, 0, 0, 0)


SKIN_SHADOW = (200, 170, 150, 255)


def _key(color) -> int:
    return int(pack_rgba(np.array([color], np.uint8))[0])


def _cause(truth, predicted, painted=(SKIN, SHIRT, SKIN_SHADOW), families=None):
    errors = benchmark_module("errors")
    painted_colors = set(pack_rgba(np.array(painted, np.uint8)).tolist())
    return errors.error_cause(np.array(truth, np.uint8), np.array(predicted, np.uint8), painted_colors, families)


def test_each_wrong_region_gets_its_cause():
    families = {_key(SKIN): frozenset({0}), _key(SKIN_SHADOW): frozenset({0}), _key(SHIRT): frozenset({1})}
    assert _cause(CLEAR, SKIN) == "hole"  # background between an arm and the body, painted
    assert _cause(HAIR, SKIN) == "unseen"  # the painter's frame has no hair color
    assert _cause(SKIN, CLEAR) == "leak"
    assert _cause(SKIN, SHIRT, families=families) == "other part"
    assert _cause(SKIN_SHADOW, SKIN, families=families) == "shade swap"  # the shadow taken for its lit side
    assert _cause(SKIN_SHADOW, SKIN) == "other part"  # without the truth's paints, no shade swap is told


def test_paint_families_read_the_shades_of_each_paint_from_the_truth(tmp_path):
    import json

    errors = benchmark_module("errors")
    (tmp_path / "seg").mkdir()
    (tmp_path / "label").mkdir()
    colors = {"1": list(CLEAR), "2": list(SKIN), "3": list(SKIN_SHADOW), "4": list(SHIRT)}
    labels = {"1": [900, -1], "2": [50, 1], "3": [20, 2], "4": [70, 4]}  # skin 1 and its shadow 2; shirt 4 (paint 1)
    (tmp_path / "seg" / "0000.json").write_text(json.dumps(colors))
    (tmp_path / "label" / "0000.json").write_text(json.dumps(labels))
    families = errors.paint_families(tmp_path)
    assert families == {_key(SKIN): {0}, _key(SKIN_SHADOW): {0}, _key(SHIRT): {1}}
    assert errors.paint_families(tmp_path / "seg") == {}  # no truth there: no shades told


def test_size_bins_and_tables_count_the_records():
    errors = benchmark_module("errors")
    assert [errors.size_bin(a) for a in (11, 50, 51, 200, 1000, 1001)] == ["11-50", "11-50", "51-200", "51-200",
                                                                          "201-1000", ">1000"]
    records = [{"area": 20, "distance": 1, "cause": "unseen"}, {"area": 20, "distance": 1, "cause": None},
               {"area": 5000, "distance": 2, "cause": "hole"}, {"area": 300, "distance": 2, "cause": None}]
    text = "\n".join(errors.tables(records))
    assert "2 wrong of 4 scored regions (50.0%); 1 of them have a color" in text
    assert "would score 75.0% of them" in text  # the unseen region is the only one no match can get right
    assert "| unseen | 1 | 50.0% | 20 |" in text and "| hole | 1 | 50.0% | 5,000 |" in text
    assert "| 11-50 | 2 | 1 | 50.0% | 1 |" in text and "| >1000 | 1 | 1 | 100.0% | 0 |" in text
    assert "| 1 | 2 | 50.0% |" in text
