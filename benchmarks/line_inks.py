"""How `best` colors line art whose main lines are drawn in a dark color instead of black: the production-like dev
cuts with their black main lines redrawn in dark brown, purple or navy (their red, green and blue trace lines kept),
as drawn and as scanned (flattened on white and blurred as a scan blurs).

    make bench-inks                                      # or: .venv/bin/python benchmarks/line_inks.py (dev, 1 drawing a cut)
    python benchmarks/line_inks.py --suite production-test --out /tmp/inks-test.md

Such lines are saturated enough to pass for trace lines one by one; read so, every region is bordered by "trace
lines" and the part field, the trace term and the trace-line step see a frame unlike any they learned from.
``paintmatch.segment.classify_lines`` reads the frame's most common ink, when it is colored and dark, as its main line
color, and the pale ring a scan's blur draws around such a line as that ink too (``_main_ink_colored``). Each cut is
colored from one drawing (``--max-references``) with the defaults, once per ink, once more per ink as lines were read
before (every saturated line pixel a trace line), and once per ink as a scan (black too, for comparison, at two blurs,
each also read as before the 54th session, without ``paintmatch.segment.unblurred``), once in light grey on white
(also read as before that session, by black ink's threshold), once with every line at low opacity on white, its
trace lines pale (also read as before the 55th session, by vivid ink's saturation), and once with the trace lines drawn
pale at their own alpha (half the cuts are transparent line art, half drawn on white; also read as before the 56th
session, the transparent ones by vivid ink's saturation), once in a medium brown, as drawn and as a scan (also
read as before the 57th session, colored main lines no brighter than 160), and as a JPEG file read as paintmatch reads
one (``paintmatch.io.clean_jpeg``), in black and in light grey, and in light grey as a JPEG re-saved as PNG, its noise
kept (the light grey also read as before the 60th session: a pixel part main line, part trace line read by one ink
alone; for the PNG also the holes JPEG's ringing leaves in the lines kept as regions, and both);
scored as ``benchmarks/scans.py`` scores.
Prints the table and writes ``benchmarks/results/line_inks.md`` for the dev suite; another suite is for reporting,
into a file of its own (``--out``).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
#: Dark inks of main lines: a brown, a purple and a navy (each passes for a trace line by its saturation alone).
INKS = {"dark brown": (90, 45, 30), "dark purple": (60, 40, 90), "navy": (30, 30, 60)}
#: A medium brown: its brightest channel (170) over the 160 that colored main lines were held to before the 57th session.
MEDIUM_BROWN = (170, 140, 110)
#: A scan's blur (Gaussian sigma, px at the suites' 1024 px; ``paintmatch.synth.blurred_on_white``): about 1.4 times
#: ``paintmatch.synth.as_scan``'s optics; it spreads a 2-3 px line into a ring of pale, unsaturated pixels.
SCAN_BLUR = 1.0
#: A wider blur, for black lines only: what unsharp masking before the ink threshold still loses.
WIDE_SCAN_BLUR = 1.5
#: Main lines lighter than black ink's threshold of 160 (a line layer at about 30% opacity flattened on white).
LIGHT_GREY = 175
#: The line art saved as JPEG (``paintmatch.synth.as_jpeg``): OpenCV's quality 85, a common exporter default.
JPEG_QUALITY = 85
#: A whole line layer at low opacity flattened on white: black turns grey 166 and the red trace lines (255, 166, 166),
#: just under vivid ink's saturation of 90 (``paintmatch.segment.colored_ink_threshold``).
LAYER_OPACITY = 0.35


def main(argv: list[str] | None = None) -> int:
    from scans import LineArtReport, replaced, score, transformed_cut

    import paintmatch.segment
    from paintmatch.io import clean_jpeg
    from paintmatch.synth import as_jpeg, blurred_on_white, faded, pale_trace_lines, with_main_ink

    report = LineArtReport.parse(argv, "line_inks.py", "line_inks.md", __doc__)
    refs = report.args.max_references
    rows = [("black (as published)", *score(report.cuts, refs)[:2])]
    scan = f"on white, blurred as a scan (sigma {SCAN_BLUR:g})"
    with tempfile.TemporaryDirectory(prefix="paintmatch-inks-") as tmp:
        for sigma in (SCAN_BLUR, WIDE_SCAN_BLUR):
            variant = [transformed_cut(cut, Path(tmp) / f"black-scan-{sigma:g}" / cut.name,
                                       lambda line, _n, sigma=sigma: blurred_on_white(line, sigma))
                       for cut in report.cuts]
            rows.append((f"black, on white, blurred as a scan (sigma {sigma:g})", *score(variant, refs)[:2]))
            before = f"black, blurred (sigma {sigma:g}), read without unblurring (before)"
            with replaced(paintmatch.segment, "unblurred", lambda gray: gray):  # the blur left in
                rows.append((before, *score(variant, refs)[:2]))
            print(*rows[-2:], sep="\n", flush=True)
        never = lambda ink, colored, paper_grey: np.zeros(colored.shape, bool)  # noqa: E731
        for name, ink in {**INKS, "medium brown": MEDIUM_BROWN}.items():
            variant = [transformed_cut(cut, Path(tmp) / name / cut.name,
                                       lambda line, _n, ink=ink: with_main_ink(line, ink)) for cut in report.cuts]
            rows.append((f"{name} {ink}", *score(variant, refs)[:2]))
            if ink == MEDIUM_BROWN:  # its brightest channel over 160 (before)
                before = "colored main lines read only up to 160"
                reading = replaced(paintmatch.segment, "MAIN_INK_PAPER_SHARE", 160 / 255)
            else:  # every saturated line pixel a trace line (before)
                before, reading = "read as trace lines", replaced(paintmatch.segment, "_main_ink_colored", never)
            with reading:
                rows.append((f"{name} {ink}, {before} (before)", *score(variant, refs)[:2]))
            variant = [transformed_cut(cut, Path(tmp) / f"{name}-scan" / cut.name,
                                       lambda line, _n, ink=ink: blurred_on_white(with_main_ink(line, ink), SCAN_BLUR))
                       for cut in report.cuts]
            rows.append((f"{name} {ink}, {scan}", *score(variant, refs)[:2]))
            print(*rows[-3:], sep="\n", flush=True)
        grey = (LIGHT_GREY,) * 3
        variant = [transformed_cut(cut, Path(tmp) / "light-grey" / cut.name,
                                   lambda line, _n: blurred_on_white(with_main_ink(line, grey), 0))
                   for cut in report.cuts]
        rows.append((f"light grey {grey}, on white", *score(variant, refs)[:2]))
        before = f"light grey {grey}, on white, read by black ink's threshold (before)"
        with replaced(paintmatch.segment, "LIGHT_INK_COVERAGE", 1.0):  # only what is as dark as black ink's threshold
            rows.append((before, *score(variant, refs)[:2]))
        print(*rows[-2:], sep="\n", flush=True)
        # JPEG files as paintmatch reads them (``paintmatch.io.clean_jpeg``: near-white and near-black made pure), and
        # the same JPEG re-saved as PNG by some other tool, its noise kept.
        file = f"as a JPEG file (quality {JPEG_QUALITY})"
        variant = [transformed_cut(cut, Path(tmp) / "black-jpeg" / cut.name,
                                   lambda line, _n: clean_jpeg(as_jpeg(blurred_on_white(line, 0), JPEG_QUALITY)))
                   for cut in report.cuts]
        rows.append((f"black, on white, {file}", *score(variant, refs)[:2]))
        variant = [transformed_cut(cut, Path(tmp) / "light-grey-jpeg" / cut.name,
                                   lambda line, _n: clean_jpeg(as_jpeg(blurred_on_white(with_main_ink(line, grey), 0),
                                                                       JPEG_QUALITY)))
                   for cut in report.cuts]
        jpeg = f"light grey {grey}, on white, {file}"
        rows.append((jpeg, *score(variant, refs)[:2]))
        # Read as before: a pixel part main line, part trace line (JPEG tints the grey beside a trace line) read by
        # one ink or the other; and no paper noisy enough for the holes in the lines to be filled.
        with replaced(paintmatch.segment, "JUNCTION_LIFT", 0.0):
            rows.append((f"{jpeg}, junctions read by one ink alone (before)", *score(variant, refs)[:2]))
        variant = [transformed_cut(cut, Path(tmp) / "light-grey-jpeg-png" / cut.name,
                                   lambda line, _n: as_jpeg(blurred_on_white(with_main_ink(line, grey), 0), JPEG_QUALITY))
                   for cut in report.cuts]
        jpeg = f"light grey {grey}, on white, as JPEG (quality {JPEG_QUALITY}) re-saved as PNG"
        rows.append((jpeg, *score(variant, refs)[:2]))
        with replaced(paintmatch.segment, "JUNCTION_LIFT", 0.0):
            rows.append((f"{jpeg}, junctions read by one ink alone", *score(variant, refs)[:2]))
        with replaced(paintmatch.segment, "NOISY_PAPER_PITS", 2.0):
            rows.append((f"{jpeg}, the ringing's holes left", *score(variant, refs)[:2]))
        with replaced(paintmatch.segment, "JUNCTION_LIFT", 0.0), replaced(paintmatch.segment, "NOISY_PAPER_PITS", 2.0):
            rows.append((f"{jpeg}, both (before)", *score(variant, refs)[:2]))
        print(*rows[-7:], sep="\n", flush=True)
        variant = [transformed_cut(cut, Path(tmp) / "faded" / cut.name,
                                   lambda line, _n: blurred_on_white(faded(line, LAYER_OPACITY), 0))
                   for cut in report.cuts]
        layer = f"every line at {LAYER_OPACITY:.0%} opacity (trace lines pale), on white"
        rows.append((layer, *score(variant, refs)[:2]))
        vivid = paintmatch.segment.VIVID_INK_LEVEL
        with replaced(paintmatch.segment, "colored_ink_threshold", lambda rgb, saturation=0.35: vivid):
            rows.append((f"{layer}, trace lines read by vivid ink's saturation (before)", *score(variant, refs)[:2]))
        print(*rows[-2:], sep="\n", flush=True)
        variant = [transformed_cut(cut, Path(tmp) / "pale-trace" / cut.name,
                                   lambda line, _n: pale_trace_lines(line, LAYER_OPACITY)) for cut in report.cuts]
        pale = f"black, trace lines drawn pale ({LAYER_OPACITY:.0%} of their color), transparent or on white as drawn"
        rows.append((pale, *score(variant, refs)[:2]))
        with replaced(paintmatch.segment, "transparent_ink_level", lambda saturation: vivid):
            rows.append((f"{pale}, on transparent art read by vivid ink's saturation (before)", *score(variant, refs)[:2]))
        print(*rows[-2:], sep="\n", flush=True)
    report.write(["main lines", "acc_thres", "leaked"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
