"""End to end on a production-like cut: every painted pixel off the lines is a color of the painter's palette."""

from __future__ import annotations

import numpy as np

from paintmatch.cut import colorize_frames
from paintmatch.rgba import pack_rgba
from paintmatch.segment import line_mask, reference_palette
from paintmatch.synth import synth_frames


def test_no_output_pixel_off_the_lines_is_a_blend():
    frames = list(synth_frames(frames=3, seed=5, size=256, style="production", line_format="rgba"))
    lines = [f.rendered.line for f in frames]
    colored = frames[0].truth.gt  # painted as paint software exports it: ink/paint blends along every line
    palette = pack_rgba(reference_palette(colored, line_mask(lines[0])[0]))
    flat = set(pack_rgba(frames[0].truth.colors).tolist())
    blends = set(np.unique(pack_rgba(colored[colored[..., 3] > 0])).tolist()) - flat
    assert blends, "the reference should carry antialiased blends for this test to mean anything"
    assert not (set(palette.tolist()) & blends)  # the palette is read from flat areas, not blends
    results = colorize_frames(lines, {0: colored}, names=["0000", "0001", "0002"])
    for line, result in zip(lines, results):
        image = result.painted.image
        off_line = ~line_mask(line)[0] & (image[..., 3] > 0)
        used = np.unique(pack_rgba(image[off_line]))
        assert set(used.tolist()) <= set(palette.tolist()), result.name
