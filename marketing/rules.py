"""Policy rules of the client registry (SPEC.md §2) as pure functions over plain values."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from accounts.models import UnitKind
from accounts.rules import Breach

from .models import PROVINCE_OWNED_TIERS, ClientKind, RequestNature, Segment, SegmentThresholds, Tier


def tier_owner_breach(tier, owner_kind):
    """Rule C2: head-office and province lists are the province's, city lists a city branch's."""
    expected = UnitKind.PROVINCE if tier in PROVINCE_OWNED_TIERS else UnitKind.CITY
    if owner_kind == expected:
        return None
    return Breach(
        "C2",
        _("A %(tier)s list is kept by a unit of kind %(kind)s.")
        % {"tier": Tier(tier).label, "kind": UnitKind(expected).label},
    )


@dataclass(frozen=True)
class Thresholds:
    """Rule C4's AUM thresholds, in yuan (defaults; the database holds the ones in force)."""

    private_min: Decimal = SegmentThresholds.DEFAULT_PRIVATE_MIN
    high_min: Decimal = SegmentThresholds.DEFAULT_HIGH_MIN
    mid_min: Decimal = SegmentThresholds.DEFAULT_MID_MIN

    # Segments by AUM, highest first: (segment, the attribute holding its lower bound).
    BANDS = ((Segment.PRIVATE, "private_min"), (Segment.HIGH, "high_min"), (Segment.MID, "mid_min"))


def thresholds_problems(private_min, high_min, mid_min):
    """Rule C4's bands must be ordered: private banking above high-end above mid-range ≥ 0.
    Answers {field: message}, empty when they are."""
    problems = {}
    if private_min <= high_min:
        problems["private_min"] = _("Private banking must start above high-end.")
    if high_min <= mid_min:
        problems["high_min"] = _("High-end must start above mid-range.")
    if mid_min < 0:
        problems["mid_min"] = _("A threshold cannot be negative.")
    return problems


def segment_for(aum, thresholds, potential=False):
    """Rule C4: an individual's segment from their AUM; POTENTIAL marks an ordinary client
    whom staff flagged for growth. No AUM known reaches no band."""
    for segment, bound in Thresholds.BANDS:
        if aum is not None and aum >= getattr(thresholds, bound):
            return segment
    return Segment.POTENTIAL if potential else Segment.ORDINARY


# Rule C5: the responsible province department (牵头部门) of a head-office- or province-tier
# corporate client, first match wins; the last has no condition.
RESPONSIBLE_PRECEDENCE = (
    ("institution", "INSTITUTION"),  # institution or interbank client
    ("real_estate", "CORP2"),
    ("import_export", "INTERNATIONAL"),
    ("sme_chain", "SME"),  # SME in a core client's supply chain, a cluster or a market
    ("has_loan", "CORP1"),  # credit client
    (None, "SETTLEMENT"),  # no-loan client
)
PERSONAL_DEPARTMENT = "PERSONAL"
PERSONAL_SEGMENTS = (Segment.PRIVATE, Segment.HIGH)


def responsible_department(*, kind, tier, segment, flags):
    """Rule C5. `flags` maps the attribute names of RESPONSIBLE_PRECEDENCE to booleans.
    Answers a province department code, or None: the city branch or sub-branch markets it."""
    if kind == ClientKind.CORPORATE:
        if tier not in PROVINCE_OWNED_TIERS:
            return None
        return next(code for flag, code in RESPONSIBLE_PRECEDENCE if flag is None or flags.get(flag))
    return PERSONAL_DEPARTMENT if segment in PERSONAL_SEGMENTS else None


# Rule C6: who is responsible for a client's deposits, first match wins.
DEPOSIT_PRECEDENCE = (
    ("institution", "INSTITUTION"),  # institutional and interbank deposits
    ("has_loan", "CORP1"),  # corporate deposits of clients with loans: corporate business dept
    (None, "SETTLEMENT"),  # corporate deposits of clients without loans
)


def deposit_department(*, kind, flags):
    """Rule C6: the department responsible for the client's deposits."""
    if kind == ClientKind.INDIVIDUAL:
        return PERSONAL_DEPARTMENT  # savings deposits
    return next(code for flag, code in DEPOSIT_PRECEDENCE if flag is None or flags.get(flag))


# Rule C8: the level that accepts a MAJOR request, by the client's tier ("受理对应层级客户的业务需求").
MAJOR_REQUEST_LEVEL = {
    Tier.HEAD_OFFICE: UnitKind.PROVINCE,
    Tier.PROVINCE: UnitKind.PROVINCE,
    Tier.CITY: UnitKind.CITY,
    Tier.SUB_BRANCH: UnitKind.SUB_BRANCH,
}


@dataclass(frozen=True)
class Routing:
    level: str  # the UnitKind of the accepting unit: PROVINCE, CITY or SUB_BRANCH
    reason: str


def route_request(*, tier, nature, is_credit, sub_branch_has_credit_authority):
    """Rule C8, efficiency first.

    A major (competitive, time-critical) request goes to the level of the client's tier: the
    province for head-office and province-tier clients, the city branch for its own tier. General
    and daily requests of every tier are accepted where the client banks, at its sub-branch. A
    sub-branch without credit authority passes a credit request one level up, to its city branch.
    """
    if nature == RequestNature.MAJOR:
        level = MAJOR_REQUEST_LEVEL[tier]
        reason = _("A major request of a %(tier)s client is accepted at the %(level)s.")
    else:
        level = UnitKind.SUB_BRANCH
        reason = _("General and daily requests are accepted where the client banks (%(tier)s client, %(level)s).")
    reason = reason % {"tier": Tier(tier).label, "level": UnitKind(level).label}
    if level == UnitKind.SUB_BRANCH and is_credit and not sub_branch_has_credit_authority:
        return Routing(
            UnitKind.CITY,
            str(reason)
            + " "
            + str(_("The sub-branch has no credit authority: the credit request goes up to the city branch.")),
        )
    return Routing(level, str(reason))
