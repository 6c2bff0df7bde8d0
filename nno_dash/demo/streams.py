"""Seeded random streams: each stage of the demo draws from its own.

[seed, stage, ...] seeds a numpy SeedSequence, so the geography does not change when
only the number of incidents does, and an area's counts do not move with another's.
"""

from __future__ import annotations

import numpy as np

_STAGES = {"city": 1, "plan": 2, "counts": 3, "incidents": 4, "events": 5, "attendance": 6}


def random_stream(seed: int, stage: str, *extra: int) -> np.random.Generator:
    """The generator for one stage (and, with `extra`, one part of it) of one seed."""
    return np.random.default_rng([seed, _STAGES[stage], *extra])
