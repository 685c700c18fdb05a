"""A restricted unpickler for official checkpoints that ``torch.load(weights_only=True)``
refuses: Glow-TTS files (the optimizer state holds a ``numpy.float64`` learning rate) and
WaveGlow files (``train.py`` pickles the whole ``glow.WaveGlow`` module).

Unpickling runs whatever callable a file names, so a pickle is never loaded with Python's
own unpickler. :class:`RestrictedUnpickler` resolves only the names on its family's
allowlist and refuses every other one before anything is called:

- tensors and containers: torch's tensor and parameter rebuild functions,
  ``collections.OrderedDict``, ``builtins.set``, and ``_codecs.encode`` (how protocol 2
  writes bytes); torch's own storage names are resolved by ``torch.load`` itself;
- Glow-TTS: numpy's scalar and array reconstruction (``numpy.dtype``, ``scalar``,
  ``_reconstruct``, ``ndarray``), under both the numpy 1 and numpy 2 module names;
- WaveGlow: ``glow.WaveGlow``, ``glow.WN``, ``glow.Invertible1x1Conv`` (and the pre-2019
  ``glow_old.WaveGlow``, ``glow_old.WN``), the torch modules they are made of and weight
  norm's hook. None of these classes is imported: each becomes an inert
  :class:`PickledModule` whose ``_parameters``, ``_buffers`` and ``_modules`` can be read
  (:func:`pickled_state_dict`) and put into our own model by name.

:func:`load` hands ``torch.load`` a pickle module made of this unpickler, which lets
``torch.load`` read its zip (and legacy) containers with ``weights_only=False``. That is safe
only because the unpickler itself refuses everything off the allowlist; never pass
``weights_only=False`` with any other pickle module.
"""

from __future__ import annotations

import _compat_pickle
import codecs
import collections
import pickle
import types
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch._utils


class RefusedPickleError(pickle.UnpicklingError):
    """A checkpoint names a class or function its family's files never contain."""


class PickledModule:
    """Inert stand-in for a pickled ``torch.nn.Module`` (or weight norm's hook): it only
    keeps the pickled attributes. ``pickled_class`` is the name the file gave."""

    pickled_class = "?"

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, dict):
            raise RefusedPickleError(f"{self.pickled_class} pickled with a non-dict state")
        self.__dict__.update(state)

    def __repr__(self) -> str:
        return f"<pickled {self.pickled_class}>"


def _stand_in(qualified_name: str) -> type[PickledModule]:
    return type(
        qualified_name.rsplit(".", 1)[-1], (PickledModule,), {"pickled_class": qualified_name}
    )


def _numpy_helpers() -> dict[str, Callable]:
    """numpy's scalar and array rebuilders, under the names numpy 1 and numpy 2 pickle."""
    scalar = np.float64(0).__reduce__()[0]
    reconstruct = np.zeros(0).__reduce__()[0]
    found: dict[str, Callable] = {"numpy.dtype": np.dtype, "numpy.ndarray": np.ndarray}
    for module in ("numpy.core.multiarray", "numpy._core.multiarray"):
        found[f"{module}.scalar"] = scalar
        found[f"{module}._reconstruct"] = reconstruct
    return found


_TENSORS: dict[str, Callable] = {
    "torch._utils._rebuild_tensor": torch._utils._rebuild_tensor,
    "torch._utils._rebuild_tensor_v2": torch._utils._rebuild_tensor_v2,
    "torch._utils._rebuild_parameter": torch._utils._rebuild_parameter,
    "collections.OrderedDict": collections.OrderedDict,
    "builtins.set": set,
    "_codecs.encode": codecs.encode,
}

_WAVEGLOW_CLASSES = (
    "glow.WaveGlow",
    "glow.WN",
    "glow.Invertible1x1Conv",
    "glow_old.WaveGlow",
    "glow_old.WN",
    "torch.nn.modules.container.ModuleList",
    "torch.nn.modules.conv.Conv1d",
    "torch.nn.modules.conv.ConvTranspose1d",
    "torch.nn.utils.weight_norm.WeightNorm",
)

ALLOWED: dict[str, dict[str, Callable]] = {
    "Glow-TTS": {**_TENSORS, **_numpy_helpers()},
    "WaveGlow": {**_TENSORS, **{name: _stand_in(name) for name in _WAVEGLOW_CLASSES}},
}
"""For each checkpoint family, the only names its files may ask for."""


class RestrictedUnpickler(pickle._Unpickler):
    """Resolves only the names of ``ALLOWED[family]``; ``path`` is for the error message.

    Python's own unpickler (not the C one, whose opcodes cannot be overridden), so that BUILD
    can be refused on anything but an object the file made: BUILD on an allowed function or
    class itself would set its attributes (a function's ``__defaults__``, say) and change it
    for every later load in the process, though the file is refused afterwards.
    """

    family = ""
    path = ""
    dispatch = dict(pickle._Unpickler.dispatch)

    def load_build(self) -> None:
        target = self.stack[-2] if len(self.stack) >= 2 else None
        shared = isinstance(target, _SHARED_KINDS) or any(
            target is value for value in ALLOWED[self.family].values()
        )
        if shared:
            raise RefusedPickleError(
                f"refusing to load {self.path}: it would change {_name_of(target)}, which a "
                f"{self.family} checkpoint never does"
            )
        super().load_build()

    dispatch[pickle.BUILD[0]] = load_build

    def find_class(self, module: str, name: str) -> Any:
        module, name = _python3_name(module, name)
        qualified = f"{module}.{name}"
        found = ALLOWED[self.family].get(qualified)
        if found is None:
            raise RefusedPickleError(
                f"refusing to load {self.path}: it asks for {qualified}, which a "
                f"{self.family} checkpoint never contains"
            )
        return found


# What BUILD may never set attributes of: shared code and types, not objects the file made.
_SHARED_KINDS = (
    type,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.ModuleType,
)


def _name_of(target: object) -> str:
    name = getattr(target, "__qualname__", None) or type(target).__name__
    module = getattr(target, "__module__", None)
    return f"{module}.{name}" if module else str(name)


def _python3_name(module: str, name: str) -> tuple[str, str]:
    """The Python 3 name of a Python 2 one (``__builtin__.set``), as ``pickle`` maps them
    for protocols < 3; Python 3 names are returned as they are."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def pickle_module(family: str, path: str | Path) -> types.ModuleType:
    """A module with the ``Unpickler`` and ``load`` that ``torch.load(pickle_module=...)``
    uses, bound to ``family``'s allowlist."""
    if family not in ALLOWED:
        raise ValueError(f"no allowlist for {family!r}; known: {sorted(ALLOWED)}")
    unpickler = type(
        "RestrictedUnpickler", (RestrictedUnpickler,), {"family": family, "path": str(path)}
    )
    module = types.ModuleType(f"glottis_restricted_pickle_{family}")
    module.Unpickler = unpickler
    module.load = lambda file, **kwargs: unpickler(file, **kwargs).load()
    return module


def load(path: str | Path, family: str, map_location: str | torch.device = "cpu") -> Any:
    """``torch.load`` a ``family`` checkpoint through the restricted unpickler.

    Raises :class:`RefusedPickleError` when the file asks for anything off the allowlist.
    """
    return torch.load(
        path,
        map_location=map_location,
        pickle_module=pickle_module(family, path),
        weights_only=False,
    )


def pickled_state_dict(module: PickledModule, prefix: str = "") -> dict[str, torch.Tensor]:
    """The ``state_dict`` a pickled module would have: its parameters and persistent
    buffers, then its children's, with dotted names. Plain attributes, such as the stale
    ``weight`` a weight-normed conv carries beside ``weight_g``/``weight_v``, are left out."""
    found: dict[str, torch.Tensor] = {}
    non_persistent = getattr(module, "_non_persistent_buffers_set", set())
    for group in ("_parameters", "_buffers"):
        for name, tensor in _entries(module, group).items():
            if tensor is not None and name not in non_persistent:
                found[prefix + name] = tensor.detach()
    for name, child in _entries(module, "_modules").items():
        if isinstance(child, PickledModule):
            found.update(pickled_state_dict(child, f"{prefix}{name}."))
    return found


def _entries(module: PickledModule, group: str) -> Mapping[str, Any]:
    entries = getattr(module, group, {})
    return entries if isinstance(entries, Mapping) else {}
