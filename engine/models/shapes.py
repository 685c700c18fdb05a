"""The weights a model would have, found without allocating them: the model is built on
PyTorch's meta device, where tensors have shapes and no storage, so a config that asks for
terabytes costs nothing until its shapes are compared with a checkpoint's
(:func:`engine.checkpoints.state_dict.mismatch_summary`), and a real model is built only for
a config the weights fit.

Initialisers, random factories and elementwise arithmetic are skipped on the meta device:
only shapes matter there, and PyTorch runs some of them on meta tensors through its compiler
stack, whose first import costs a second (``torch._dynamo``). Our weight norm's norm
(``linalg_vector_norm``) is answered with its shape for the same reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

_RANDOM_FACTORIES = {"randn", "rand", "randint", "randperm", "normal"}
_ARITHMETIC = {"mul", "div", "add", "sub", "__mul__", "__rmul__", "__truediv__", "__add__"}


def meta_state_dict(build: Callable[[], nn.Module]) -> dict[str, torch.Tensor]:
    """The state dict (meta tensors: shapes only) of the model ``build()`` makes."""
    with torch.device("meta"), _ShapesOnly():
        return build().state_dict()


class _ShapesOnly(TorchFunctionMode):
    def __torch_function__(
        self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None
    ) -> Any:
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if name in _RANDOM_FACTORIES and not any(isinstance(a, torch.Tensor) for a in args):
            return torch.empty(*args, **{k: v for k, v in kwargs.items() if k != "generator"})
        first = next((a for a in (*args, *kwargs.values()) if isinstance(a, torch.Tensor)), None)
        if first is not None and first.is_meta:
            if name.endswith("_") and not name.startswith("_"):  # in-place: init.normal_, ...
                return first
            if name in _ARITHMETIC and all(isinstance(a, int | float | torch.Tensor) for a in args):
                shapes = [a.shape for a in args if isinstance(a, torch.Tensor)]
                return first.new_empty(_broadcast(shapes))
            if name == "linalg_vector_norm":  # the weight norm's, over all dims but the first
                return first.new_empty((first.shape[0],) + (1,) * (first.dim() - 1))
        return func(*args, **kwargs)


def _broadcast(shapes: list[torch.Size]) -> tuple[int, ...]:
    """The shape elementwise operands broadcast to (``torch.broadcast_shapes`` imports torch's
    symbolic shapes, a third of a second)."""
    rank = max(len(shape) for shape in shapes)
    padded = [(1,) * (rank - len(shape)) + tuple(shape) for shape in shapes]
    return tuple(max(sizes) for sizes in zip(*padded, strict=True))
