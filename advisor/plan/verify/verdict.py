"""What the verifier returns: violations, the verdict, and the error raised on request."""

from __future__ import annotations

from dataclasses import dataclass, field

from advisor.errors import AdvisorError


@dataclass(frozen=True)
class Violation:
    """One broken rule or one number that does not recompute."""

    check: str
    subject: str
    detail: str

    def format(self) -> str:
        return f"[{self.check}] {self.subject}: {self.detail}"


@dataclass(frozen=True)
class Verification:
    """The verdict: ``ok`` when nothing is violated; ``recomputed`` holds the plan KPIs."""

    ok: bool
    violations: tuple[Violation, ...]
    checks: int
    recomputed: dict = field(default_factory=dict)

    def of(self, check: str) -> tuple[Violation, ...]:
        """The violations of one check family."""
        return tuple(v for v in self.violations if v.check == check)

    def format(self) -> str:
        head = f"{self.checks} checks, {len(self.violations)} violations"
        return "\n".join([head, *(v.format() for v in self.violations)])

    def raise_if_failed(self) -> None:
        if not self.ok:
            raise PlanVerificationError(self)


class PlanVerificationError(AdvisorError):
    """The independent verifier found a plan that breaks a rule or misstates a number."""

    exit_code = 5

    def __init__(self, verification: Verification):
        self.verification = verification
        super().__init__("the plan failed independent verification:\n" + verification.format())
