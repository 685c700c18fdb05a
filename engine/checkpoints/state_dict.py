"""How a checkpoint's weights differ from the ones a model expects, in one line."""

from __future__ import annotations

from collections.abc import Mapping

import torch

_LISTED = 5


def mismatch_summary(
    found: Mapping[str, torch.Tensor],
    expected: Mapping[str, torch.Tensor],
    optional: tuple[str, ...] = (),
) -> str:
    """The keys missing from ``found``, unexpected in it, or of another shape, as one line
    (``"1 keys missing (a); 2 keys unexpected (b, c)"``); ``""`` when ``found`` fits.

    Expected keys that start with one of the ``optional`` prefixes may be missing.
    """
    missing = [k for k in expected if k not in found and not k.startswith(optional)]
    unexpected = [k for k in found if k not in expected]
    reshaped = [
        f"{k}: file {list(found[k].shape)} vs model {list(v.shape)}"
        for k, v in expected.items()
        if k in found and found[k].shape != v.shape
    ]
    problems = [
        _summary("missing", missing),
        _summary("unexpected", unexpected),
        _summary("with a different shape", reshaped),
    ]
    return "; ".join(p for p in problems if p)


def _summary(kind: str, items: list[str]) -> str:
    if not items:
        return ""
    shown = ", ".join(items[:_LISTED])
    more = f", and {len(items) - _LISTED} more" if len(items) > _LISTED else ""
    return f"{len(items)} keys {kind} ({shown}{more})"
