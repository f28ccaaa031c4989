"""Inputs too large to write out, named in a case file by a generator: its name, seed, shape
and scale. The same table gives the same numbers bit for bit on every NumPy version and
platform: each value is a counter-based hash (SplitMix64, Steele, Lea and Flood, 2014) of its
position and the seed, turned into a float by exact operations and one IEEE multiplication
(or, for probability rows, a division by an exactly rounded sum, math.fsum). No random
stream of NumPy is used, since NumPy may change those between versions.

* ``uniform``: logits ``scale * (2 m + 1 - 2^24) / 2^24``, ``m`` the top 24 bits of the hash:
  uniform in ``(-scale, scale)`` on a grid of 2^24 points, symmetric, never 0.
* ``simplex``: probability rows ``w_k / sum_k w_k`` with ``w_k = (m + 1/2) / 2^24`` in (0, 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

GENERATORS = ("uniform", "simplex")
MAX_ELEMENTS = 1 << 22  # 4M numbers (32 MB in float64): at most 16 rows of 262,144 classes

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["generator", "seed", "shape"],
    "additionalProperties": False,
    "properties": {
        "generator": {"enum": list(GENERATORS)},
        "seed": {"type": "integer", "minimum": 0, "maximum": 2**32 - 1},
        # rows (none: an empty batch) and classes (at least one)
        "shape": {
            "type": "array",
            "prefixItems": [{"type": "integer", "minimum": 0}, {"type": "integer", "minimum": 1}],
            "minItems": 2,
            "maxItems": 2,
        },
        "scale": {"type": "number", "exclusiveMinimum": 0},
    },
}

_GAMMA = np.uint64(0x9E3779B97F4A7C15)  # SplitMix64's increment (2^64 / golden ratio)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, in wrapping uint64 arithmetic."""
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def hashes(seed: int, count: int) -> np.ndarray:
    """``count`` 64-bit hashes of positions 0, 1, ... under ``seed`` (uint64)."""
    with np.errstate(over="ignore"):
        start = _mix(np.array([seed], np.uint64))  # unrelated streams for neighbouring seeds
        positions = np.arange(1, count + 1, dtype=np.uint64)
        return _mix(start + positions * _GAMMA)


def _grid(seed: int, count: int) -> np.ndarray:
    """The top 24 bits of each hash, as float64 integers in [0, 2^24)."""
    return (hashes(seed, count) >> np.uint64(40)).astype(np.float64)


@dataclass(frozen=True)
class Generated:
    """A generator table of a case file: what it names, and the numbers it gives."""

    generator: str
    seed: int
    shape: tuple[int, int]
    scale: float = 1.0

    @classmethod
    def from_table(cls, table: dict[str, Any]) -> Generated:
        """From a table that SCHEMA has validated; raises ValueError for too many numbers."""
        shape = (int(table["shape"][0]), int(table["shape"][1]))
        if shape[0] * shape[1] > MAX_ELEMENTS:
            raise ValueError(f"shape {list(shape)} holds more than {MAX_ELEMENTS} numbers")
        return cls(table["generator"], int(table["seed"]), shape, float(table.get("scale", 1.0)))

    def values(self) -> np.ndarray:
        """The numbers, float64, of ``shape``."""
        n, k = self.shape
        m = _grid(self.seed, n * k).reshape(n, k)
        if self.generator == "uniform":
            return self.scale * ((2 * m + 1 - 2.0**24) / 2.0**24)
        w = (m + 0.5) / 2.0**24
        return np.stack([row / math.fsum(row) for row in w]) if n else w

    def describe(self) -> str:
        """One line naming the generator, as a message shows it."""
        scale = f", scale={self.scale!r}" if self.generator == "uniform" else ""
        return f"{self.generator}(seed={self.seed}, shape={list(self.shape)}{scale})"

    def toml(self) -> str:
        """The inline table a case file writes for it."""
        scale = f", scale = {self.scale!r}" if self.generator == "uniform" else ""
        return f'{{ generator = "{self.generator}", seed = {self.seed}, shape = {list(self.shape)}{scale} }}'
