"""Roles and what each may see or do: the one place the access rules are written.

* council analyst, council finance: their own council's child-level data (analysts upload and
  run; finance runs forecasts, costs and budgets);
* regional analyst, commissioner: every council in their region, but only as pseudonymised,
  suppressed aggregates (DOMAIN.md §7) — never a child-level table;
* admin: manages accounts and reads the audit log; sees aggregates like a regional user.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from carecast.errors import AccessDeniedError, ParameterError
from carecast.schema import councils, find_council


class Role(StrEnum):
    COUNCIL_ANALYST = "council_analyst"
    COUNCIL_FINANCE = "council_finance"
    REGIONAL_ANALYST = "regional_analyst"
    COMMISSIONER = "commissioner"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_council(self) -> bool:
        return self in (Role.COUNCIL_ANALYST, Role.COUNCIL_FINANCE)


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower().replace(" ", "_").replace("-", "_"))
    except ValueError:
        raise ParameterError(
            f"'{value}' is not a role", fix=f"use one of {', '.join(r.value for r in Role)}"
        ) from None


@dataclass(frozen=True)
class Principal:
    """The logged-in user as the routes see it."""

    id: int
    email: str
    role: Role
    council: str | None
    region: str | None

    @property
    def sees_child_level(self) -> bool:
        return self.role.is_council and self.council is not None

    @property
    def may_upload(self) -> bool:
        return self.role == Role.COUNCIL_ANALYST

    @property
    def may_run(self) -> bool:
        return self.role in (Role.COUNCIL_ANALYST, Role.COUNCIL_FINANCE)

    @property
    def may_assess_sufficiency(self) -> bool:
        """Council analysts and finance for their council; the others over their region, summed."""
        return self.may_run or not self.role.is_council

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def visible_councils(self) -> list[str]:
        """Councils whose (aggregate) figures this user may see."""
        if self.role.is_council:
            return [self.council] if self.council else []
        if self.region:
            return [c.name for c in councils() if c.region == self.region]
        return [c.name for c in councils()]

    def require_child_level(self, council: str) -> None:
        """Refuse unless ``council`` is this user's own council (child-level data)."""
        if not (self.sees_child_level and self.council == council):
            raise AccessDeniedError(
                f"child-level data for {council} is visible only to {council}'s own users",
                fix="ask a user of that council, or use the regional (aggregate) pages",
            )

    def require(self, allowed: bool, what: str) -> None:
        if not allowed:
            raise AccessDeniedError(
                f"your role ({self.role.label}) may not {what}",
                fix="ask an administrator if you need this",
            )


def account_scope(
    role: Role, council: str | None, region: str | None
) -> tuple[str | None, str | None]:
    """Validate the council/region an account is tied to; return canonical (council, region)."""
    if role.is_council:
        if not council:
            raise ParameterError(
                f"a {role.label} account needs a council", fix="pass --council NAME"
            )
        c = find_council(council)
        return c.name, c.region
    if council:
        raise ParameterError(
            f"a {role.label} account is not tied to one council",
            fix="leave out --council (use --region for regional users)",
        )
    if region:
        regions = sorted({c.region for c in councils()})
        match = next((r for r in regions if r.lower() == region.strip().lower()), None)
        if match is None:
            raise ParameterError(
                f"'{region}' is not a region", fix=f"use one of {', '.join(regions)}"
            )
        return None, match
    return None, None
