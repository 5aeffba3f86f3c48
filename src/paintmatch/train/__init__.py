"""Training of the appearance-feature network (torch; imported only by ``paintmatch train``).

Metric learning (InfoNCE) on component correspondences across frames, with the other
components of the same frame as hard negatives; exported to ONNX for ``paintmatch.features``.
"""

from paintmatch.train.config import DataSource, TrainConfig, load_config
from paintmatch.train.loop import TrainResult, train

__all__ = ["DataSource", "TrainConfig", "TrainResult", "load_config", "train"]
