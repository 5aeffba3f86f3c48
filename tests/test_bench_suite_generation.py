"""benchmarks/run.py: a suite is generated once, whole, however many benchmarks ask for it at once."""

import json
import threading
import time

from conftest import benchmark_module


def _slow_generator(calls: list, seen_partial: list, folder):
    def generate(out):
        calls.append(out)
        (out / "cut_000").mkdir()
        time.sleep(0.3)  # long enough for the other benchmark to look at the folder meanwhile
        seen_partial.append((folder / "cut_000").exists() and not (folder / "suite.json").exists())
        (out / "cut_001").mkdir()

    return generate


def test_two_benchmarks_asking_at_once_generate_the_suite_once_and_never_see_it_half_written(tmp_path):
    run = benchmark_module("run")
    folder = tmp_path / "data" / "production-dev"
    settings = {"seed": 1000, "cuts": 2}
    calls: list = []
    seen_partial: list = []
    generate = _slow_generator(calls, seen_partial, folder)
    threads = [threading.Thread(target=run._generated, args=(folder, settings, "dev", generate)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1, "the second benchmark must wait and find the suite ready, not generate it again"
    assert seen_partial == [False], "the suite folder must not hold a partly written suite"
    assert sorted(p.name for p in folder.iterdir()) == ["cut_000", "cut_001", "suite.json"]
    assert json.loads((folder / "suite.json").read_text()) == settings
    assert sorted(p.name for p in folder.parent.iterdir()) == [".production-dev.lock", "production-dev"]


def test_a_suite_made_with_other_settings_is_replaced_and_a_ready_one_is_kept(tmp_path):
    run = benchmark_module("run")
    folder = tmp_path / "production-dev"
    folder.mkdir()
    (folder / "old_cut").mkdir()
    (folder / "suite.json").write_text(json.dumps({"seed": 1}))
    calls: list = []
    run._generated(folder, {"seed": 2}, "dev", lambda out: calls.append(out) or (out / "new_cut").mkdir())
    assert sorted(p.name for p in folder.iterdir()) == ["new_cut", "suite.json"]
    run._generated(folder, {"seed": 2}, "dev", lambda out: calls.append(out))
    assert len(calls) == 1


def test_the_real_dev_warps_are_grouped_by_level_and_seeded_apart_from_the_test_suites(tmp_path, monkeypatch):
    dev, run = benchmark_module("dev"), benchmark_module("run")
    monkeypatch.setattr(dev, "REAL_DEV_REPEATS", 1)
    monkeypatch.setattr(dev, "REAL_DEV_FRAMES", 2)
    groups = dev.real_dev_groups(tmp_path)
    assert list(groups) == ["real dev level 1", "real dev level 3"]
    for level, cuts in zip((1, 3), groups.values()):
        assert [c.name for c in cuts] == [f"gt0242_level{level}"]
        assert sorted(p.name for p in (cuts[0] / "line").iterdir()) == ["0000.png", "0001.png"]
    recorded = json.loads((tmp_path / "real-dev" / "suite.json").read_text())
    assert recorded["seed"] == dev.REAL_DEV_SEED and recorded["frames"] == 2
    test_seeds = range(run.DEFORM_SEED, run.DEFORM_SEED + run.DEFORM_REPEATS)
    assert not set(range(dev.REAL_DEV_SEED, dev.REAL_DEV_SEED + 3)) & set(test_seeds)
