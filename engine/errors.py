"""The error every synthesis request raises when it cannot be honoured."""

from __future__ import annotations


class SynthesisError(ValueError):
    """A request the Synthesizer cannot honour, in words a user can act on."""
