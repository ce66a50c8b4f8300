"""One time limit for a whole call: every solve and comparison of ``advisor plan`` shares it.

A :class:`Deadline` starts with the call (:func:`advisor.solve`; the ``advisor plan`` command
starts it when its process started, :func:`process_started_s`, so Python's start-up, the
imports and loading the scenario count too) and every step takes its time from it, so the
steps together fit in the limit instead of each getting the whole limit again:

* the option build and the explanations take what they take;
* each solver call gets what is left, minus what later steps keep back (:meth:`keeping`):
  :attr:`Deadline.reserve_s` (a tenth of the limit, at least 1.5 s, and at least 0.6 times
  what the option build took, :meth:`sized_by`; at most half the limit) stays for the
  explanations, writing the outputs and verifying the plan;
* an optional comparison (the split kept whole, centralised training, the sensitivity
  re-solves) starts only when what is left covers what it needs (:meth:`allows`, about as
  long as the plan's own option build and solve took); otherwise it is recorded as
  ``not computed (time limit reached: N s of M s used ...)`` (:meth:`not_computed`).

The clock is :func:`now` unless one is given, so a test can drive time deterministically.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from advisor.milp import SolverSettings

EXPLAIN_RESERVE = 0.1
"""Share of the time limit kept back from the solvers for the explanations and outputs."""
RESERVE_MIN_S = 1.5
"""...but at least this many seconds: writing the outputs has a fixed cost (templates,
figures, the FOCUS export), 0.6-1.5 s for the retailer example on a shared 2-core machine,
and the independent verification follows. Measured, not a bound: see :data:`RESERVE_MAX`."""
RESERVE_MAX = 0.5
"""...and at most this share of the limit, so a short limit still leaves the solver half of
it. Under about 3 s the outputs alone can take longer than what the reserve leaves them."""
MIN_OPTIONAL_SOLVE_S = 0.5
"""The least solver time an optional comparison is started with, however fast the plan's
own solve was: below it a comparison would mostly report that it ran out of time."""
POST_PER_OPTION_S = 0.6
"""The explanations, writing the outputs and verifying the plan take at most about this many
seconds per second the option build took, beyond a fixed part the fixed reserve covers (both
grow with the options and the machine's speed), so the reserve is at least that
(:meth:`Deadline.sized_by`). Measured on 2 cores, quiet (``advisor plan --format json``'s
``timings_s``): saas-fleet 0.89 s after a 0.98 s build, a fleet of 1,000 2.5 s after 4.8 s,
of 10,000 22.8 s after 42.5 s: about 0.37 s + 0.53 x the build. With the fixed reserve
alone, the fleet of 1,000 ran 0.7 s past a 20 s limit."""
NOT_COMPUTED = "not computed"
"""How a result that was not computed starts (``not computed (reason)``), as in sensitivity."""


def now() -> float:
    """The clock a :class:`Deadline` reads unless given its own (seconds, monotonic)."""
    return time.perf_counter()


PROCESS_AGE_MAX_S = 3600.0
"""A process start further back than this is not believed (a clock or ``/proc`` oddity):
:func:`process_started_s` then says it does not know."""


def process_started_s() -> float | None:
    """When this process started, on the clock of :func:`now`; None where that is unknown.

    Linux only: ``/proc/self/stat``'s ``starttime`` (field 22, clock ticks after boot) read
    against ``CLOCK_BOOTTIME``, good to a clock tick (10 ms). The ``plan`` command's deadline
    starts there, so that ``--time-limit`` also covers the interpreter's start-up and the
    imports (about 0.5 s on 2 cores) that precede the command's own code."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()  # after the command name, field 3 on
        ticks = int(fields[22 - 3])
        age_s = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    if not 0.0 <= age_s <= PROCESS_AGE_MAX_S:
        return None
    return now() - age_s


@dataclass(frozen=True)
class Deadline:
    """``total_s`` seconds from ``started_s``, of which the last ``keep_s`` are kept back for
    later steps (what :meth:`left_s` does not offer)."""

    total_s: float
    started_s: float
    keep_s: float = 0.0
    clock: Callable[[], float] | None = field(default=None, compare=False, repr=False)
    post_s: float = 0.0
    """What the explanations, outputs and verification are expected to take (:meth:`sized_by`)."""

    @classmethod
    def start(
        cls,
        total_s: float,
        clock: Callable[[], float] | None = None,
        since_s: float | None = None,
    ) -> Deadline:
        """A deadline ``total_s`` seconds from now, or from ``since_s`` (a reading of the
        clock taken earlier, such as :func:`process_started_s`)."""
        began = (clock or now)() if since_s is None else float(since_s)
        return cls(float(total_s), began, 0.0, clock)

    def _now(self) -> float:
        return (self.clock or now)()

    def elapsed_s(self) -> float:
        """Seconds used since the start."""
        return self._now() - self.started_s

    def left_s(self) -> float:
        """Seconds left for this step: the limit minus what is used and what is kept back."""
        return max(self.total_s - self.keep_s - self.elapsed_s(), 0.0)

    @property
    def reserve_s(self) -> float:
        """What the explanations and outputs keep back: :data:`EXPLAIN_RESERVE` of the limit,
        at least :data:`RESERVE_MIN_S` and at least :attr:`post_s`, at most
        :data:`RESERVE_MAX` of it."""
        least = max(EXPLAIN_RESERVE * self.total_s, RESERVE_MIN_S, self.post_s)
        return min(least, RESERVE_MAX * self.total_s)

    def sized_by(self, options_s: float) -> Deadline:
        """The same deadline, its reserve sized for a plan whose options took ``options_s``
        to build (:data:`POST_PER_OPTION_S`)."""
        return replace(self, post_s=max(self.post_s, POST_PER_OPTION_S * max(options_s, 0.0)))

    def keeping(self, seconds: float) -> Deadline:
        """The same deadline with ``seconds`` more kept back for the steps after this one."""
        return replace(self, keep_s=self.keep_s + max(seconds, 0.0))

    def for_solver(self, settings: SolverSettings) -> SolverSettings:
        """``settings`` with the time left as the solver's time limit."""
        return replace(settings, time_limit_s=self.left_s())

    def allows(self, need_s: float) -> bool:
        """Whether what is left covers ``need_s`` plus :data:`MIN_OPTIONAL_SOLVE_S`."""
        return self.left_s() >= max(need_s, 0.0) + MIN_OPTIONAL_SOLVE_S

    def reason(self, need_s: float | None = None) -> str:
        """``time limit reached: N s of M s used`` (and what the skipped step needs)."""
        text = f"time limit reached: {self.elapsed_s():.1f} s of {self.total_s:g} s used"
        if need_s is not None:
            text += f", it needs about {max(need_s, 0.0) + MIN_OPTIONAL_SOLVE_S:.1f} s"
        return text

    def not_computed(self, need_s: float | None = None) -> str:
        """``not computed (time limit reached: ...)``: how a skipped result says why."""
        return f"{NOT_COMPUTED} ({self.reason(need_s)})"


def expected_solve_s(options_s: float, solve_s: float) -> float:
    """What a comparison needs that rebuilds ``options_s`` worth of options and solves a
    model of the plan's size: that build plus as long as the plan's own solve took."""
    return options_s + solve_s
