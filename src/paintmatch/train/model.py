"""The embedding network: a torchvision ResNet (never pretrained) adapted to small multi-channel crops."""

from __future__ import annotations

import torch
import torchvision
from torch import nn

from paintmatch.features import Architecture
from paintmatch.errors import InputError

__all__ = ["EmbeddingNet", "build_model"]


class EmbeddingNet(nn.Module):
    """ResNet trunk + linear projection + L2 normalisation.

    Input (n, C, S, S) float32 in [0, 1]; output (n, D) float32 of norm 1.
    """

    def __init__(self, arch: Architecture, in_channels: int, embedding_dim: int):
        super().__init__()
        constructor = getattr(torchvision.models, arch.torchvision, None)
        if constructor is None:
            raise InputError(f"torchvision has no model '{arch.torchvision}' (backbone {arch.name})")
        trunk = constructor(weights=None)  # architecture only: nothing is downloaded
        if arch.stem_stride not in (1, 2, 4):
            raise InputError(f"stem_stride must be 1, 2 or 4, got {arch.stem_stride}")
        # Small crops: a 3x3 first conv over C channels; the stride and the max-pool give the
        # stem's total down-sampling (ImageNet's 7x7/2 + pool/2 loses too much of a 32 px crop).
        trunk.conv1 = nn.Conv2d(in_channels, 64, kernel_size=3, stride=min(arch.stem_stride, 2), padding=1, bias=False)
        if arch.stem_stride < 4:
            trunk.maxpool = nn.Identity()
        features = trunk.fc.in_features
        trunk.fc = nn.Identity()
        self.trunk = trunk
        self.head = nn.Linear(features, embedding_dim)

    def forward(self, crops: torch.Tensor) -> torch.Tensor:
        embedding = self.head(self.trunk(crops))
        return nn.functional.normalize(embedding, dim=1)


def build_model(arch: Architecture, in_channels: int, embedding_dim: int) -> EmbeddingNet:
    """A freshly initialised ``EmbeddingNet`` (seed torch first for a deterministic start)."""
    return EmbeddingNet(arch, in_channels, embedding_dim)
