"""``import paintmatch`` and the CLI stay light: heavy libraries load only in the modules that need them."""

import subprocess
import sys

HEAVY = ("torch", "torchvision", "onnxruntime", "dask", "distributed", "fastapi", "uvicorn", "pygmtools", "skimage",
         "scipy.ndimage")  # scipy.ndimage: about 0.3 s, loaded by the synthetic-cut generator


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_import_paintmatch_is_light():
    assert _loaded_after("import paintmatch") == set()


def test_pipeline_modules_are_light():
    assert _loaded_after("import paintmatch.cut, paintmatch.match, paintmatch.segment, paintmatch.io, paintmatch.features") == set()


def test_cli_parser_is_light():
    assert _loaded_after("from paintmatch.cli import build_parser; build_parser()") == set()
