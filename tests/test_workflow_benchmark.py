"""``benchmarks/workflow.py``: a painter's fixes counted right, and a fixed frame is right."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest


@pytest.fixture(scope="module")
def small_cut(tmp_path_factory):
    from paintmatch.synth import generate_cut

    return generate_cut(tmp_path_factory.mktemp("workflow") / "cut", frames=4, seed=5, size=192)


def test_fixed_components_leave_no_wrong_one(small_cut):
    from conftest import benchmark_module

    workflow = benchmark_module("workflow")
    painter = workflow.Painter(small_cut, "simple")
    results = painter.color(painter.colored)
    fixed_some = False
    for k in painter.scored:
        wrong, colors = workflow.wrong_components(results[k], painter.regions[k])
        fixed_some |= wrong.size > 0
        matching = results[k].matching
        fixed = dataclasses.replace(matching, colors=matching.colors.copy())
        fixed.colors[wrong] = colors
        assert workflow.wrong_components(dataclasses.replace(results[k], matching=fixed), painter.regions[k])[0].size == 0
        # The fixed frame, painted, carries the true color of every fixed component.
        image = workflow.fixed_image(results[k], wrong, colors)
        labels = results[k].frame.seg.labels
        for component, color in zip(wrong, colors):
            assert (image[labels == component] == color).all()
    assert fixed_some  # `simple` gets some wrong on this cut: the check above checked something


def test_every_workflow_counts_within_the_cut(small_cut):
    from conftest import benchmark_module

    workflow = benchmark_module("workflow")
    counted = {label: measure(small_cut, "simple") for label, measure in workflow.WORKFLOWS}
    every = counted["fix every frame after one colorize"]
    assert every["fixes"] > 0
    for label, totals in counted.items():
        assert totals["components"] == every["components"], label
        assert 0 <= totals["unflagged"] <= totals["fixes"] <= totals["components"], label
        assert totals["seconds"] > 0, label
    lines = workflow.table([counted])
    assert len(lines) == 2 + len(workflow.WORKFLOWS)
    assert lines[2].startswith(f"| fix every frame after one colorize | {every['fixes']:.1f} |")


def test_per_cut_benchmarks_measure_cuts_in_processes_in_the_suites_order(tmp_path, monkeypatch):
    import os

    from conftest import ROOT

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # as the scripts import it: spawned workers import it so
    import run

    cuts = [tmp_path / name for name in ("cut_b", "cut_a", "cut_c")]
    monkeypatch.setattr(run, "chosen_report_suite", lambda parser, args, name: (cuts, tmp_path / "table.md", ""))
    for jobs in ("1", "2"):  # os.path.join(cut, method) stands for a measurement a worker can import
        runs = run.measure_each_cut("a test", "table.md", os.path.join, str, ["--jobs", jobs])
        assert runs.per_cut == [os.path.join(cut, "best") for cut in cuts] and runs.args.jobs == int(jobs)
