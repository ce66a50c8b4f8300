"""The PuLP model context shared by the constraint families (only ``solve/`` imports pulp)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pulp

from advisor.milp.problem import Problem


@dataclass
class Slack:
    name: str
    family: str
    subject: str
    unit: str
    scale: float
    var: pulp.LpVariable
    sense: str = "<="


@dataclass
class ModelContext:
    """A PuLP problem being built, its variables, and (in elastic mode) its slacks."""

    problem: Problem
    elastic: bool = False
    relax: frozenset[str] | None = None
    """In elastic mode, the families that get slacks (None: every elastic family)."""
    prob: pulp.LpProblem = field(default_factory=lambda: pulp.LpProblem("advisor", pulp.LpMinimize))
    x: list = field(default_factory=list)
    buy: dict = field(default_factory=dict)
    flow_cost: dict = field(default_factory=dict)
    team_new: dict = field(default_factory=dict)
    mip_gap: float = 0.0
    slacks: list[Slack] = field(default_factory=list)
    constraints: dict = field(default_factory=dict)
    _z: dict | None = None
    _by_unit: dict | None = None

    def add(
        self,
        expr: pulp.LpAffineExpression,
        sense: str,
        rhs: float,
        name: str,
        *,
        family: str,
        subject: str,
        unit: str = "",
        scale: float = 1.0,
        elastic: bool = True,
    ) -> None:
        """Add ``expr (<=|>=|==) rhs`` named ``name``; in elastic mode with a slack."""
        if self.elastic and elastic and (self.relax is None or family in self.relax):
            s = pulp.LpVariable(f"slack_{len(self.slacks)}", lowBound=0)
            self.slacks.append(Slack(name, family, subject, unit, max(scale, 1e-9), s, sense))
            if sense == "<=":
                expr = expr - s
            elif sense == ">=":
                expr = expr + s
            else:
                s2 = pulp.LpVariable(f"slack_{len(self.slacks)}", lowBound=0)
                self.slacks.append(
                    Slack(name + "-", family, subject, unit, max(scale, 1e-9), s2, sense)
                )
                expr = expr - s + s2
        if sense == "<=":
            c = expr <= rhs
        elif sense == ">=":
            c = expr >= rhs
        else:
            c = expr == rhs
        key = f"c{len(self.constraints)}"
        self.prob.addConstraint(c, key)
        self.constraints[key] = (name, family, subject)

    def options_by_unit(self) -> dict[str, np.ndarray]:
        if self._by_unit is None:
            units = self.problem.options["unit"].to_numpy()
            groups: dict[str, list[int]] = defaultdict(list)
            for i, u in enumerate(units):
                groups[u].append(i)
            self._by_unit = {u: np.asarray(ix) for u, ix in groups.items()}
        return self._by_unit

    def z(self) -> dict[tuple[str, str], pulp.LpAffineExpression]:
        """z[unit, target] = sum of x over the unit's options at the target (0/1)."""
        if self._z is None:
            acc: dict[tuple[str, str], list] = defaultdict(list)
            o = self.problem.options
            for i, (u, t) in enumerate(
                zip(o["unit"].to_numpy(), o["target"].to_numpy(), strict=True)
            ):
                acc[(u, t)].append((self.x[i], 1.0))
            self._z = {k: pulp.LpAffineExpression(v) for k, v in acc.items()}
        return self._z

    def targets_of(self, unit: str) -> list[str]:
        return sorted({t for (u, t) in self.z() if u == unit})
