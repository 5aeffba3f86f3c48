"""End-to-end coloring of real hand-drawn cuts through the CLI (issue 2's acceptance)."""

import json
import shutil
from pathlib import Path

import numpy as np

from conftest import load_rgba
from paintmatch.cli import main
from paintmatch.cut import ColorizeOptions, colorize_frames, propagation_plan
from paintmatch.segment import reference_colors, segment


def _check_colored_cut(cut: Path, out: Path, names: list[str], colored_name: str) -> None:
    reference = load_rgba(cut / "gt" / f"{colored_name}.png")
    palette = {tuple(c) for c in np.unique(reference.reshape(-1, 4), axis=0)}
    palette.add((0, 0, 0, 0))
    for name in names:
        line = load_rgba(cut / "line" / f"{name}.png")
        result = load_rgba(out / f"{name}.png")
        assert result.shape == line.shape, name
        seg = segment(line, close_gaps_px="auto")  # colorize's default
        # Every component is painted with one flat color taken from the reference.
        colors = reference_colors(result, seg)
        painted = seg.labels >= 0
        assert (result[painted] == colors[seg.labels[painted]]).all(), name
        assert all(tuple(c) in palette for c in colors), name
        # Background stays transparent; lines are kept as drawn.
        assert result[0, 0, 3] == 0 and colors[seg.labels[0, 0], 3] == 0, name
        ink = line[..., 3] >= 128
        np.testing.assert_array_equal(result[ink], line[ink])
        sidecar = json.loads((out / f"{name}.json").read_text())
        assert len(sidecar["components"]) == seg.n
        assert all(0.0 <= c["confidence"] <= 1.0 for c in sidecar["components"])


def test_colorize_laughing_girl(basicpbc, tmp_path):
    out = tmp_path / "out"
    assert main(["colorize", str(basicpbc / "laughing_girl"), "--out", str(out), "--quiet"]) == 0
    names = ["0000", "0001", "0002", "0003"]
    assert sorted(p.name for p in out.glob("*.png")) == [f"{n}.png" for n in names]
    _check_colored_cut(basicpbc / "laughing_girl", out, names, "0000")


def test_colorize_smoke_explosion_runs_backward(basicpbc, tmp_path):
    out = tmp_path / "out"
    assert main(["colorize", str(basicpbc / "smoke_explosion"), "--out", str(out), "--quiet"]) == 0
    names = [f"{i:05d}" for i in range(27)]
    assert sorted(p.stem for p in out.glob("*.png")) == names
    _check_colored_cut(basicpbc / "smoke_explosion", out, names, "00026")
    # Frame 00025 was colored from 00026, 00000 from 00001.
    assert json.loads((out / "00025.json").read_text())["reference"] == "00026"
    assert json.loads((out / "00000.json").read_text())["reference"] == "00001"


def test_propagation_plan_goes_outward_from_every_colored_frame():
    plan = propagation_plan(7, [2, 5])
    done = {2, 5}
    for target, source, anchor in plan:
        assert source in done and abs(source - target) == 1
        done.add(target)
    assert done == set(range(7))
    assert dict((t, a) for t, _, a in plan) == {0: 2, 1: 2, 3: 2, 4: 5, 6: 5}


def test_recolor_mode_gives_trace_lines_a_region_color(laughing_girl):
    lines, colored = laughing_girl
    results = colorize_frames(lines[:2], {0: colored}, options=ColorizeOptions(line_mode="recolor"))
    image, line = results[1].painted.image, lines[1]
    trace = (line[..., 3] >= 128) & (line[..., :3].max(axis=2) > 200)  # blue and red ink
    black = (line[..., 3] >= 128) & (line[..., :3].max(axis=2) < 30)
    palette = {tuple(c) for c in results[1].matching.colors}
    recolored = {tuple(c) for c in np.unique(image[trace].reshape(-1, 4), axis=0)}
    assert recolored <= palette
    assert not (image[trace][:, :3] == line[trace][:, :3]).all(axis=1).any()
    np.testing.assert_array_equal(image[black], line[black])


def test_layers_and_tga_output(basicpbc, tmp_path):
    cut = tmp_path / "cut"
    (cut / "line").mkdir(parents=True)
    (cut / "gt").mkdir()
    for name in ("0000", "0001"):
        shutil.copy(basicpbc / "laughing_girl" / "line" / f"{name}.png", cut / "line")
    shutil.copy(basicpbc / "laughing_girl" / "gt" / "0000.png", cut / "gt")
    out = tmp_path / "out"
    assert main(["colorize", str(cut), "--out", str(out), "--layers", "--format", "tga", "--quiet"]) == 0
    for name in ("0000", "0001"):
        for suffix in ("", "_paint", "_lines"):
            assert (out / f"{name}{suffix}.tga").exists()
    lines_layer = load_rgba(out / "0001_lines.tga")
    line = load_rgba(cut / "line" / "0001.png")
    ink = line[..., 3] >= 128
    np.testing.assert_array_equal(lines_layer[ink], line[ink])
    assert (lines_layer[~ink, 3] == 0).all()
    paint_layer = load_rgba(out / "0001_paint.tga")
    assert paint_layer[800, 800, 3] == 255 or paint_layer[0, 0, 3] == 0


def test_colorize_files_with_reference(basicpbc, tmp_path):
    root = basicpbc / "laughing_girl"
    out = tmp_path / "out"
    code = main([
        "colorize", str(root / "line" / "0001.png"), str(root / "line" / "0002.png"),
        "--reference", str(root / "gt" / "0000.png"), "--reference-line", str(root / "line" / "0000.png"),
        "--out", str(out), "--quiet",
    ])
    assert code == 0
    assert sorted(p.name for p in out.glob("*.png")) == ["0001.png", "0002.png"]


def test_suggest_reference(basicpbc, capsys):
    assert main(["suggest-reference", str(basicpbc / "laughing_girl"), "--quiet"]) == 0
    name = capsys.readouterr().out.strip()
    counts = {n: segment(load_rgba(basicpbc / "laughing_girl" / "line" / f"{n}.png"), close_gaps_px="auto").n for n in ("0000", "0001", "0002", "0003")}
    assert counts[name] == max(counts.values())


def test_colorize_frames_segments_with_the_painters_gap_edits():
    import cv2

    from paintmatch.cut import colorize_frames

    line = np.zeros((100, 100, 4), np.uint8)
    cv2.circle(line, (50, 50), 30, (0, 0, 0, 255), 2)
    line[45:65, 78:84] = 0  # a 20 px break: wider than auto closing reaches
    colored = np.zeros_like(line)
    cv2.circle(colored, (50, 50), 30, (250, 200, 170, 255), -1)
    colored[line[..., 3] > 0] = (0, 0, 0, 255)
    plain = colorize_frames([line, line], {0: colored})
    assert plain[1].frame.n == 1  # the head leaks into the background
    edits = {i: {"added": [[80, 43, 80, 67]], "removed": []} for i in (0, 1)}
    closed = colorize_frames([line, line], {0: colored}, gap_edits=edits)
    assert closed[1].frame.n == 2
    head = closed[1].frame.seg.labels[50, 50]
    assert tuple(closed[1].painted.image[50, 50]) == (250, 200, 170, 255) and head >= 0


def test_frames_numbered_without_padding_propagate_in_drawing_order(tmp_path):
    # A painter's frames 1 ... 12 (the bundled example there and back) colored from frame 1: each frame is colored
    # from the one before it in drawing order (sorted by name, frame 10 would come right after frame 1).
    example = Path(__file__).resolve().parents[1] / "examples" / "demo-cut"
    cut = tmp_path / "unpadded"
    (cut / "line").mkdir(parents=True)
    (cut / "gt").mkdir()
    drawings = ["0000", "0001", "0002", "0003", "0004", "0005", "0005", "0004", "0003", "0002", "0001", "0000"]
    for number, drawing in enumerate(drawings, start=1):
        shutil.copy(example / "line" / f"{drawing}.png", cut / "line" / f"{number}.png")
    shutil.copy(example / "gt" / "0000.png", cut / "gt" / "1.png")
    out = tmp_path / "out"
    assert main(["colorize", str(cut), "--out", str(out), "--quiet"]) == 0
    for number in range(2, 13):
        assert json.loads((out / f"{number}.json").read_text())["reference"] == str(number - 1), number
    # Frame 12 is frame 1's drawing again: colored from 11 down the chain, it has frame 1's colors.
    np.testing.assert_array_equal(load_rgba(out / "12.png"), load_rgba(out / "1.png"))
