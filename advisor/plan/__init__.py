"""Plan stage: formulation, the Plan result, explanations, baselines, verification."""

from advisor.plan.planner import solve
from advisor.plan.result import PLAN_SCHEMA_VERSION, Plan

__all__ = ["PLAN_SCHEMA_VERSION", "Plan", "solve"]
