"""The error every synthesis request raises when it cannot be honoured, and the one a job
raises when it was asked to stop."""

from __future__ import annotations


class SynthesisError(ValueError):
    """A request the Synthesizer cannot honour, in words a user can act on."""


class Cancelled(Exception):
    """A job was cancelled at one of its cancellation points (its progress reports).

    Work that writes files leaves nothing half-written when it is raised: the dataset
    importer writes into a hidden folder that is removed, a take's files are written whole.
    """
