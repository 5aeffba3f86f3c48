"""paintmatch: color anime line-art cuts from one colored frame by component matching.

``import paintmatch`` stays light (numpy, OpenCV, SciPy level): onnxruntime sessions, torch, dask and
fastapi load only inside the modules that need them.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
