"""Random columns for the sample generators, built with pyarrow compute (no per-row Python)."""

from __future__ import annotations

import random

import pyarrow as pa
import pyarrow.compute as pc


def seeded(*parts) -> random.Random:
    """A generator seeded by `parts`: str seeds are hashed with SHA-512 by random.Random, so the
    same parts give the same numbers across runs and platforms."""
    return random.Random(":".join(map(str, parts)))


def uniform(rng: random.Random, n: int) -> pa.Array:
    """n floats in [0, 1) from one randbytes call."""
    u32 = pa.Array.from_buffers(pa.uint32(), n, [None, pa.py_buffer(rng.randbytes(4 * n))])
    return pc.divide(pc.cast(u32, pa.float64()), 2.0 ** 32)


def index(u: pa.Array, k) -> pa.Array:
    """Each uniform as an index in [0, k)."""
    return pc.cast(pc.floor(pc.multiply(u, k)), pa.int64())


def arange(n: int) -> pa.Array:
    return pc.subtract(pc.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), n)), 1)
