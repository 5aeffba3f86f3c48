"""How `best` colors frames drawn larger or smaller than the production-like suites' 1024 px: the dev cuts scaled
(line art with antialiasing, colored frames and truth by nearest neighbour) to 2048 px (HD-like) and 614 px.

    make bench-sizes                                     # or: .venv/bin/python benchmarks/frame_sizes.py (dev, 1 drawing a cut)
    python benchmarks/frame_sizes.py --suite production-test --out /tmp/sizes-test.md

`best`'s pixel sizes (the tiny-region vote's area, the trace-line step's seam length, junction radius and component
limit) and the areas its color choice and confidence read were measured on 1024 px frames; they scale with the
frame (``paintmatch.match._refine.area_scale``). Each size is scored as ``benchmarks/scans.py`` scores, and once more
with the sizes fixed at their 1024 px values (before). Prints the table and writes ``benchmarks/results/frame_sizes.md``
for the dev suite; another suite is for reporting, into a file of its own (``--out``).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
#: Frame sides as a share of the suites' 1024 px: 2048 px (HD frames are 1920x1080) and 614 px.
FACTORS = (2.0, 0.6)


def scaled_cut(cut: Path, out: Path, factor: float) -> Path:
    """A copy of ``cut`` at ``factor`` times its size: line art resampled (area averaging down, bilinear up: its
    antialiasing kept), colored frames, truth segments and labels by nearest neighbour (their colors kept)."""
    import cv2
    from PIL import Image

    from paintmatch.io import read_image, write_image

    out.mkdir(parents=True)
    for item in cut.iterdir():
        if item.is_file():
            shutil.copy2(item, out / item.name)
    for folder in (f for f in cut.iterdir() if f.is_dir()):
        (out / folder.name).mkdir()
        for path in sorted(folder.iterdir()):
            if path.suffix != ".png":
                shutil.copy2(path, out / folder.name / path.name)
                continue
            image = read_image(path)
            size = (round(image.shape[1] * factor), round(image.shape[0] * factor))
            smooth = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
            image = cv2.resize(image, size, interpolation=smooth if folder.name == "line" else cv2.INTER_NEAREST)
            if folder.name == "seg":  # the truth's segments are RGB label images
                Image.fromarray(image[..., :3]).save(out / folder.name / path.name)
            else:
                write_image(out / folder.name / path.name, image)
    return out


def main(argv: list[str] | None = None) -> int:
    from scans import LineArtReport, replaced, score

    import paintmatch.match._refine as refine

    report = LineArtReport.parse(argv, "frame_sizes.py", "frame_sizes.md", __doc__)
    refs = report.args.max_references
    rows = [("1024 px (as published)", *score(report.cuts, refs)[:2])]
    with tempfile.TemporaryDirectory(prefix="paintmatch-sizes-") as tmp:
        for factor in FACTORS:
            side = round(1024 * factor)
            variant = [scaled_cut(cut, Path(tmp) / f"{side}" / cut.name, factor) for cut in report.cuts]
            rows.append((f"{side} px", *score(variant, refs)[:2]))
            fixed = lambda shape: 1.0  # noqa: E731 - the sizes at their 1024 px values, whatever the frame (before)
            with replaced(refine, "area_scale", fixed):  # read there by every step and by reference_areas
                rows.append((f"{side} px, sizes fixed at 1024 px (before)", *score(variant, refs)[:2]))
            print(rows[-2], rows[-1], flush=True)
    report.write(["frames", "acc_thres", "leaked"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
