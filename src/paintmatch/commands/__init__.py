"""Subcommands of the ``paintmatch`` CLI: name -> (module, one-line help).

Each module defines ``add_arguments(parser)`` and ``run(args) -> int`` and imports heavy
dependencies inside ``run`` only.
"""

__all__ = ["COMMANDS"]

COMMANDS: dict[str, tuple[str, str]] = {
    "colorize": ("paintmatch.commands.colorize", "color every line frame of a cut (or given frames) from a colored reference"),
    "suggest-reference": ("paintmatch.commands.suggest_reference", "name the frame to color first (the one with the most components)"),
    "synth": ("paintmatch.commands.synth", "generate synthetic anime-like cuts with ground truth"),
    "deform": ("paintmatch.commands.deform", "make deformation benchmark cuts from a real colored frame"),
    "evaluate": ("paintmatch.commands.evaluate", "score coloring methods on cuts with ground truth"),
    "train": ("paintmatch.commands.train", "train the appearance-feature network and export it to ONNX"),
    "serve": ("paintmatch.commands.serve", "review and correct colorings in the browser"),
    "batch": ("paintmatch.commands.batch", "color every cut of an episode on a Dask cluster"),
}
