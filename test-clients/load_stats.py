"""Summaries of the load client's samples: nearest-rank percentiles, as a latency report usually means them."""

import math
from collections.abc import Sequence

PERCENTILES = (50, 95, 99)

Distribution = dict[str, float | int | None]


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The smallest sample with at least q % of the samples at or below it (`sorted_values` ascending, not empty)."""
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def distribution(values: Sequence[float], digits: int = 3) -> Distribution:
    """count, mean, p50, p95, p99 and max of `values` (None for each but count when there are none)."""
    ordered = sorted(values)
    summary: Distribution = {"count": len(ordered)}
    keys = ["mean", *(f"p{q}" for q in PERCENTILES), "max"]
    if not ordered:
        return summary | dict.fromkeys(keys)
    figures = [sum(ordered) / len(ordered), *(percentile(ordered, q) for q in PERCENTILES), ordered[-1]]
    return summary | {key: round(figure, digits) for key, figure in zip(keys, figures, strict=True)}


def describe(name: str, summary: Distribution, unit: str) -> str:
    """One line for a terminal: `name  p50 … p95 … p99 … max …  (n samples)`."""
    if summary["count"] == 0:
        return f"{name:<26} no samples"
    figures = "  ".join(f"{key} {summary[key]:>9.2f}" for key in ("p50", "p95", "p99", "max"))
    return f"{name:<26} {figures} {unit}  ({summary['count']:,} samples)"
