"""The settings every fuzzing module of this folder runs with: ``GLOTTIS_FUZZ_EXAMPLES``
examples per strategy (default 150, which keeps CI short; the reported runs used 2,500) and
one fixed seed, so that a run is repeated exactly."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("GLOTTIS_FUZZ_EXAMPLES", "150"))
SEED = 20261207
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
