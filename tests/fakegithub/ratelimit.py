"""GitHub's primary rate limit: an hourly budget per caller, reported on every answer in `x-ratelimit-*`."""

from __future__ import annotations

from dataclasses import dataclass

WINDOW = 3600
LIMITS = {"anonymous": 60}  # everyone else: 5,000 an hour (GitHub's floor for an installation)
DEFAULT_LIMIT = 5000


@dataclass
class Budget:
    limit: int
    used: int
    reset_at: int

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(self.reset_at),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-resource": "core",
        }


class RateLimits:
    def __init__(self) -> None:
        self._budgets: dict[str, Budget] = {}

    def budget(self, key: str, now: float) -> Budget:
        budget = self._budgets.get(key)
        if budget is None or now >= budget.reset_at:
            limit = LIMITS.get(key.partition(":")[0], DEFAULT_LIMIT)
            budget = self._budgets[key] = Budget(limit=limit, used=0, reset_at=int(now) + WINDOW)
        return budget

    def charge(self, key: str, now: float) -> tuple[Budget, bool]:
        """Count one request; False when the budget was already spent (GitHub answers 403 then)."""
        budget = self.budget(key, now)
        if budget.remaining == 0:
            return budget, False
        budget.used += 1
        return budget, True

    def refund(self, key: str, now: float) -> None:
        """A 304 answer does not count against the limit."""
        budget = self.budget(key, now)
        budget.used = max(budget.used - 1, 0)

    def set_remaining(self, key: str, remaining: int, *, now: float, reset_in: int = WINDOW) -> None:
        budget = self.budget(key, now)
        budget.used = budget.limit - remaining
        budget.reset_at = int(now) + reset_in
