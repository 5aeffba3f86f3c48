"""The generator's styles and named suites: plain data, importable without the generator (the CLI's start-up)."""

__all__ = ["STYLES", "SUITES"]

STYLES = ("clean", "production")
"""``clean``: today's cuts (smooth motion, closed lines, flat gt). ``production``: cleanup-style line art
with leaking gaps, antialiased paint exports and key-drawing motion (``paintmatch.synth``)."""

SUITES = {
    "production-dev": {"seed": 1000, "cuts": 12, "frames": 8},
    "production-test": {"seed": 9000, "cuts": 20, "frames": 8},
}
"""Named production-like suites: dev seeds (1000) and test seeds (9000) draw disjoint cuts (each cut's seed
comes from ``SeedSequence(seed)``); development choices use the dev suite, the test suite is only reported."""
