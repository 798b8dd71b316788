"""The speed targets the bench reports against (issue #12), declared once: a line each.

Each target reads one figure off the results; a target whose sizes were not measured in the
run is left out of the report.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

Sizes = Mapping[int, object]  # events -> that size's SizeResult (bench.run)
Figure = Callable[[Sizes, float | None], float | None]  # (sizes, real sample s) -> figure


@dataclass(frozen=True)
class Target:
    """A figure and its limit: at most the limit, or at least it."""

    label: str
    figure: Figure
    limit: float
    at_least: bool = False

    def line(self, sizes: Sizes, sample_s: float | None) -> str | None:
        """The figure against its limit, met or NOT MET; None when not measured."""
        value = self.figure(sizes, sample_s)
        if value is None:
            return None
        ok = value >= self.limit if self.at_least else value <= self.limit
        sign = ">=" if self.at_least else "<="
        return f"{self.label} {value:.2f} {sign} {self.limit:g}: {'met' if ok else 'NOT MET'}"


def physical_ratio(events: int) -> Figure:
    """Ours over the physical floor at a size."""
    return lambda sizes, _: (r := sizes.get(events)) and r.ours.seconds / r.physical_s


def schema_ratio(events: int) -> Figure:
    """The schema floor over the physical floor at a size: the least ours/physical can be."""
    return lambda sizes, _: (r := sizes.get(events)) and r.built.seconds / r.physical_s


def schema_speedup(events: int) -> Figure:
    """The row-by-row baseline over the schema floor: the most baseline/ours can be."""
    return lambda sizes, _: (
        (r := sizes.get(events)) and r.baseline and r.baseline.seconds / r.built.seconds
    )


def baseline_speedup(events: int) -> Figure:
    """The row-by-row baseline over ours at a size, if the baseline ran."""
    return lambda sizes, _: (
        (r := sizes.get(events)) and r.baseline and r.baseline.seconds / r.ours.seconds
    )


def peak_rss(events: int) -> Figure:
    """Peak RSS in MB at a size."""
    return lambda sizes, _: (r := sizes.get(events)) and r.peak_rss_mb


def rss_growth(small: int, big: int) -> Figure:
    """How much the peak RSS grows from one size to another."""
    return lambda sizes, _: (
        (a := sizes.get(small)) and (b := sizes.get(big)) and b.peak_rss_mb / a.peak_rss_mb
    )


TARGETS = [
    Target("100k: baseline/ours (x)", baseline_speedup(100_000), 100, at_least=True),
    Target("250k: ours/physical floor", physical_ratio(250_000), 2.5),
    Target("1M: ours/physical floor", physical_ratio(1_000_000), 2.0),
    Target("1M: ours/physical floor, stretch", physical_ratio(1_000_000), 1.5),
    Target("10M: ours/physical floor", physical_ratio(10_000_000), 2.0),
    Target("10M: peak RSS (MB)", peak_rss(10_000_000), 400),
    Target("peak RSS 10M / 1M", rss_growth(1_000_000, 10_000_000), 1.5),
    Target("real sample end to end (s)", lambda _, sample_s: sample_s, 1.0),
]


# The ratio targets, read off the schema floor instead of ours: a load of this schema builds
# what the schema floor builds, with the same statements, so where the schema floor misses a
# target, no loader of it can meet that target without cheaper builds.
BOUNDS = [
    Target("100k: baseline/schema floor (x)", schema_speedup(100_000), 100, at_least=True),
    Target("250k: schema floor/physical floor", schema_ratio(250_000), 2.5),
    Target("1M: schema floor/physical floor", schema_ratio(1_000_000), 2.0),
    Target("10M: schema floor/physical floor", schema_ratio(10_000_000), 2.0),
]


def target_lines(sizes: Sizes, sample_s: float | None) -> list[str]:
    """Each target measured in the run, against its limit."""
    return [line for target in TARGETS if (line := target.line(sizes, sample_s))]


def bound_lines(sizes: Sizes) -> list[str]:
    """Each ratio target as the schema floor alone reaches it, where measured."""
    return [line for target in BOUNDS if (line := target.line(sizes, None))]
