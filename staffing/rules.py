"""Staffing and assignment rules (SPEC.md §3: S1–S9, A1–A10) as pure functions over plain values.

Each answers a `Breach` (rule ID, message, the unit, person or client concerned) or None. The
compliance report (compliance.py) computes their inputs set-based in SQL for a whole subtree;
its oracle (compliance.oracle_report) computes them in plain Python from loaded rows; both end
here, so the thresholds and messages are written once.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from accounts.models import Grade, ManagerKind, Position, UnitKind
from accounts.rules import Breach
from marketing.models import ClientKind, Segment

from .models import QualificationKind

# The order of the report: the rules as SPEC.md lists them (S2 is reported as O3).
RULE_ORDER = ["O3", "S1", "S3", "S4", "S5", "S6", "S7", "S8", "S9", *(f"A{n}" for n in range(1, 11))]
GRADE_RANK = {grade: rank for rank, grade in enumerate(Grade.values)}  # JUNIOR 0 … PRINCIPAL 3

# S1: customer managers are at least this share of the staff.
MANAGER_SHARE = Decimal("0.20")
# S3: a city-area outlet with this much corporate deposit, or this many corporate clients, needs a manager.
S3_DEPOSITS, S3_CLIENTS = Decimal("10000000"), 50
# S5: a wealth centre's marketing, wealth and lobby managers.
S5_POSITIONS = (Position.MARKETING_MANAGER, Position.WEALTH_MANAGER, Position.LOBBY_MANAGER)
S5_ADVISERS = 8
S5_QUALIFICATIONS = (QualificationKind.AFP, QualificationKind.CFP, QualificationKind.RECOGNISED)
# S6: a VIP centre's staff, and in its exclusive area marketing and wealth managers, and qualified people.
S6_STAFF, S6_IN_AREA, S6_QUALIFIED = 15, 2, 2
S6_QUALIFICATIONS = S5_QUALIFICATIONS
# A1/A2: the lowest grade of a corporate client's lead by annual contribution, highest band first.
CONTRIBUTION_GRADES = ((Decimal("10000000"), "A1", Grade.SENIOR), (Decimal("3000000"), "A2", Grade.INTERMEDIATE))
# A3–A5: where an individual's lead works and what they hold, by segment.
SEGMENT_LEADS = {
    Segment.MID: ("A3", (UnitKind.OUTLET,), ()),
    Segment.HIGH: ("A4", (UnitKind.VIP_CENTRE,), (QualificationKind.AFP, QualificationKind.CFP)),
    Segment.PRIVATE: ("A5", (UnitKind.WEALTH_CENTRE,), (QualificationKind.CFP,)),
}
# A9: who joins the team of an individual from each AUM up: cumulative.
CO_MAINTENANCE = (
    (Decimal("1000000"), "DEPUTY", _("the sub-branch's deputy head in charge")),
    (Decimal("2000000"), "HEAD", _("the sub-branch's head")),  # a city branch's, for a centre straight under it
    (Decimal("5000000"), "CITY", _("a city-branch officer")),
)


def plain(number):
    """A Decimal as people write it: 100, 12.5 (not 100.00 or 1E+2)."""
    return format(Decimal(number).normalize(), "f")


def staff_share_breach(unit_code, managers, staff):
    """S1: customer managers are at least 20% of a city branch's (or the province's) staff."""
    if staff == 0 or managers >= MANAGER_SHARE * staff:
        return None
    return Breach(
        "S1",
        _("Customer managers are %(managers)s of %(staff)s staff (%(share)s%%), below 20%%.")
        % {"managers": managers, "staff": staff, "share": round(Decimal(100) * managers / staff, 1)},
        unit_code=unit_code,
    )


def outlet_manager_breach(unit_code, corporate_deposits, corporate_clients, managers):
    """S3: a city-area outlet with corporate deposits ≥ 10 million or ≥ 50 corporate clients has a manager."""
    if managers or (corporate_deposits < S3_DEPOSITS and corporate_clients < S3_CLIENTS):
        return None
    return Breach(
        "S3",
        _(
            "A city-area outlet with %(deposits)s yuan of corporate deposits and %(clients)s corporate clients has no customer manager."
        )
        % {"deposits": f"{corporate_deposits:,.2f}", "clients": corporate_clients},
        unit_code=unit_code,
    )


def lobby_manager_breach(unit_code, lobby_managers):
    """S4: every outlet has a lobby manager."""
    if lobby_managers:
        return None
    return Breach("S4", _("This outlet has no lobby manager."), unit_code=unit_code)


def wealth_centre_breach(unit_code, advisers):
    """S5: a wealth centre has at least 8 marketing, wealth and lobby managers."""
    if advisers >= S5_ADVISERS:
        return None
    return Breach(
        "S5",
        _("A wealth-management centre has %(count)s marketing, wealth and lobby managers; it needs at least 8.")
        % {"count": advisers},
        unit_code=unit_code,
    )


def wealth_adviser_breach(unit_code, employee_no, qualified):
    """S5: each of them holds CFP, AFP or a recognised qualification."""
    if qualified:
        return None
    return Breach(
        "S5",
        _("A wealth-centre adviser holds no valid CFP, AFP or recognised qualification."),
        unit_code=unit_code,
        employee_no=employee_no,
    )


def vip_centre_breach(unit_code, staff, marketing_in_area, wealth_in_area, qualified):
    """S6: a VIP centre has ≥ 15 staff, ≥ 2 marketing and ≥ 2 wealth managers in its exclusive
    area, and ≥ 2 people holding AFP, CFP or a recognised qualification. One breach a centre,
    naming every shortfall."""
    shortfalls = []
    if staff < S6_STAFF:
        shortfalls.append(_("%(count)s staff (at least 15)") % {"count": staff})
    if marketing_in_area < S6_IN_AREA:
        shortfalls.append(
            _("%(count)s marketing managers in the exclusive area (at least 2)") % {"count": marketing_in_area}
        )
    if wealth_in_area < S6_IN_AREA:
        shortfalls.append(_("%(count)s wealth managers in the exclusive area (at least 2)") % {"count": wealth_in_area})
    if qualified < S6_QUALIFIED:
        shortfalls.append(
            _("%(count)s people with AFP, CFP or a recognised qualification (at least 2)") % {"count": qualified}
        )
    if not shortfalls:
        return None
    return Breach(
        "S6", _("The VIP centre has %(what)s.") % {"what": "; ".join(map(str, shortfalls))}, unit_code=unit_code
    )


def certificate_breach(unit_code, employee_no, certified, on, deadline):
    """S7: after the deadline every customer manager holds a valid manager certificate (持证上岗)."""
    if on <= deadline or certified:
        return None
    return Breach(
        "S7",
        _("This customer manager holds no valid customer-manager certificate."),
        unit_code=unit_code,
        employee_no=employee_no,
    )


def training_breach(unit_code, employee_no, days, year, minimum):
    """S8: every customer manager trains at least `minimum` days in the year checked."""
    if days >= minimum:
        return None
    return Breach(
        "S8",
        _("This customer manager trained %(days)s days in %(year)s, fewer than %(minimum)s.")
        % {"days": plain(days), "year": year, "minimum": minimum},
        unit_code=unit_code,
        employee_no=employee_no,
    )


def training_year(on):
    """S8: the last complete calendar year before the report's date."""
    return on.year - 1


def assistants_breach(unit_code, managers, assistants, per):
    """S9 (advisory): an assistant for every `per` customer managers of a unit (N+1)."""
    needed = managers // per
    if assistants >= needed:
        return None
    return Breach(
        "S9",
        _(
            "Advisory: %(managers)s customer managers and %(assistants)s assistants; one assistant per %(per)s managers suggests %(needed)s."
        )
        % {"managers": managers, "assistants": assistants, "per": per, "needed": needed},
        unit_code=unit_code,
    )


def lead_grade_breach(*, unit_code, client_no, kind, contribution, lead_no, lead_grade):
    """A1/A2: a corporate client contributing ≥ 10 million a year has a SENIOR (or higher) lead,
    ≥ 3 million an INTERMEDIATE (or higher) one."""
    if kind != ClientKind.CORPORATE or contribution is None:
        return None
    for floor, rule, grade in CONTRIBUTION_GRADES:
        if contribution >= floor:
            if lead_grade and GRADE_RANK[lead_grade] >= GRADE_RANK[grade]:
                return None
            message = (
                _("The client contributes %(contribution)s yuan a year and has no lead.")
                if not lead_no
                else _(
                    "The client contributes %(contribution)s yuan a year; its lead's grade is %(grade)s, below %(needed)s."
                )
            )
            return Breach(
                rule,
                message
                % {
                    "contribution": f"{contribution:,.2f}",
                    "grade": Grade(lead_grade).label if lead_grade else _("none"),
                    "needed": Grade(grade).label,
                },
                unit_code=unit_code,
                employee_no=lead_no or "",
                client_no=client_no,
            )
    return None


def lead_placement_breach(
    *, unit_code, client_no, segment, lead_no, position, manager_kind, unit_kind, holds, designated=False
):
    """A3–A5: a MID individual's lead is a personal customer manager of an outlet; a HIGH one's,
    of a VIP centre, holding AFP or CFP; a PRIVATE one's, of a wealth centre (or a VIP centre
    designated for private banking: `designated`), holding CFP. `holds` is the set of
    qualification kinds the lead holds on the date."""
    if segment not in SEGMENT_LEADS:
        return None
    rule, unit_kinds, qualifications = SEGMENT_LEADS[segment]
    if not lead_no:
        return Breach(
            rule,
            _("A %(segment)s client has no lead.") % {"segment": Segment(segment).label},
            unit_code=unit_code,
            client_no=client_no,
        )
    wrong = []
    if position != Position.CUSTOMER_MANAGER or manager_kind != ManagerKind.PERSONAL:
        wrong.append(_("is not a personal customer manager"))
    designated_centre = segment == Segment.PRIVATE and designated and unit_kind == UnitKind.VIP_CENTRE
    if unit_kind not in unit_kinds and not designated_centre:
        wrong.append(_("does not work at a %(kind)s") % {"kind": UnitKind(unit_kinds[0]).label})
    if qualifications and not set(qualifications) & set(holds):
        wrong.append(_("holds no %(what)s") % {"what": " / ".join(qualifications)})
    if not wrong:
        return None
    return Breach(
        rule,
        _("The lead of a %(segment)s client %(what)s.")
        % {"segment": Segment(segment).label, "what": _(", and ").join(map(str, wrong))},
        unit_code=unit_code,
        employee_no=lead_no,
        client_no=client_no,
    )


def group_network_breach(*, unit_code, client_no, lead_no, lead_depth, highest_depth):
    """A6: a group's network is led by the manager at the highest-tier unit serving the group:
    the head office's lead sits at a unit at least as high (as shallow in the tree) as every
    unit whose manager leads a subsidiary's team. `highest_depth` is the shallowest of those."""
    if lead_no and (highest_depth is None or lead_depth <= highest_depth):
        return None
    message = (
        _("The group's head office has no lead to lead its manager network.")
        if not lead_no
        else _(
            "A subsidiary is served from a higher-tier unit than the head office's lead: that unit's manager should lead the group's network."
        )
    )
    return Breach("A6", message, unit_code=unit_code, employee_no=lead_no or "", client_no=client_no)


def capacity_breach(*, unit_code, employee_no, clients, grade, capacity):
    """A8: a manager's client count stays within the capacity of their grade."""
    if clients <= capacity:
        return None
    return Breach(
        "A8",
        _("This %(grade)s manager serves %(clients)s clients; the grade's capacity is %(capacity)s.")
        % {"grade": Grade(grade).label, "clients": clients, "capacity": capacity},
        unit_code=unit_code,
        employee_no=employee_no,
    )


def co_maintenance_needs(aum):
    """A9: who must join an individual's team at this AUM: codes of CO_MAINTENANCE, cumulative."""
    return [code for floor, code, _label in CO_MAINTENANCE if aum is not None and aum >= floor]


def co_maintenance_breach(*, unit_code, client_no, aum, present):
    """A9: an individual's team has the senior people their AUM calls for. `present` is the set
    of CO_MAINTENANCE codes on the team (DEPUTY, HEAD, CITY)."""
    labels = {code: label for _floor, code, label in CO_MAINTENANCE}
    missing = [code for code in co_maintenance_needs(aum) if code not in present]
    if not missing:
        return None
    return Breach(
        "A9",
        _("With %(aum)s yuan of assets the client's team lacks %(who)s.")
        % {"aum": f"{aum:,.2f}", "who": "、".join(str(labels[code]) for code in missing)},
        unit_code=unit_code,
        client_no=client_no,
    )


def team_shape_breach(*, unit_code, client_no, leads, split_total):
    """A10: a team has exactly one lead, and its members' splits add up to 100%."""
    wrong = []
    if leads != 1:
        wrong.append(_("%(leads)s leads instead of one") % {"leads": leads})
    if split_total != 100:
        wrong.append(_("splits adding up to %(total)s%% instead of 100%%") % {"total": plain(split_total)})
    if not wrong:
        return None
    return Breach(
        "A10",
        _("The team has %(what)s.") % {"what": _(", and ").join(map(str, wrong))},
        unit_code=unit_code,
        client_no=client_no,
    )


def credit_handler(*, amount, lead, members, head):
    """A12: who takes in a credit request of `amount` at the unit that receives it. `lead` and
    `members` are (employee_no, grade, authority) of the client's team (lead None when none),
    `head` the receiving unit's head's employee number (or ""). Answers (employee_no, reason,
    beyond the team's authority)."""
    if lead is not None and lead[2] is not None and amount <= lead[2]:
        return lead[0], _("Within the team lead's loan acceptance authority (rule A12)."), False
    covering = sorted(
        (m for m in members if m[2] is not None and amount <= m[2]), key=lambda m: (-GRADE_RANK.get(m[1], -1), m[0])
    )
    if covering:
        return (
            covering[0][0],
            _(
                "Beyond the lead's authority: the team member of the highest grade whose authority covers it (rule A12)."
            ),
            False,
        )
    return head, _("Beyond the team's authority: the receiving unit's head takes it in (rule A12)."), True
