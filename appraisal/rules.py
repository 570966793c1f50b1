"""The appraisal's rules (SPEC.md §4) as pure functions over plain values: quarters, scores (P3),
ranks (P3), ratings and calibration (P9), decisions (P6) and the bonus pool with its pay floor
(P8). No ORM here; every figure is a Decimal and is rounded half-up to 2 places at the end only.
"""

import calendar
import datetime
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)
RATINGS = ["EXCELLENT", "GOOD", "COMPETENT", "NEEDS_IMPROVEMENT", "UNSATISFACTORY"]  # best first
NO_REVIEW = "NO_REVIEW"
NO_TARGET = "NO_TARGET:"  # + the indicator
NOT_CERTIFIED = "NOT_CERTIFIED"


def money(value):
    """Half-up to 2 places: the one rounding of the appraisal, done at the end (rule P3)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --- quarters ---------------------------------------------------------------------------------

QUARTER_PATTERN = re.compile(r"^([0-9]{4})Q([1-4])$")  # ASCII digits: "\d" would also take full-width ones


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text):
        """ "2010Q2" → Quarter(2010, 2); ValueError with a message people read otherwise."""
        match = QUARTER_PATTERN.match(str(text).strip().upper())
        if not match or not 1900 <= int(match.group(1)) <= 2100:
            raise ValueError(_("%(text)s is not a quarter: write it as YYYYQn, for example 2010Q2.") % {"text": text})
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, day):
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self):
        return f"{self.year}Q{self.number}"

    @property
    def months(self):
        """The first days of the quarter's three months."""
        return [datetime.date(self.year, 3 * (self.number - 1) + offset, 1) for offset in (1, 2, 3)]

    @property
    def start(self):
        return self.months[0]

    @property
    def end(self):
        last = self.months[-1]
        return last.replace(day=month_days(last))

    def previous(self, count=1):
        index = self.year * 4 + self.number - 1 - count
        return Quarter(index // 4, index % 4 + 1)

    def next(self):
        return self.previous(-1)


def month_days(month):
    return calendar.monthrange(month.year, month.month)[1]


def days_inside(month, valid_from, valid_to):
    """Days of `month` inside a period (both ends inclusive, open when valid_to is None): 0–31."""
    first, last = month, month.replace(day=month_days(month))
    start = max(first, valid_from)
    end = last if valid_to is None else min(last, valid_to)
    return max(0, (end - start).days + 1)


# --- scores (rule P3) -------------------------------------------------------------------------


@dataclass
class Line:
    indicator: str
    weight: Decimal
    cap: Decimal
    balance: bool  # a balance is averaged over the months against the annual target
    actual: Decimal  # the quarter's actual, exact
    annual_target: Decimal | None

    @property
    def target(self):
        if self.annual_target is None:
            return None
        return self.annual_target if self.balance else self.annual_target / 4

    @property
    def completion(self):
        """actual / target; None when the target is missing or zero (no points, flagged)."""
        target = self.target
        if not target:
            return None
        return self.actual / target

    @property
    def points(self):
        completion = self.completion
        if completion is None:
            return ZERO
        return HUNDRED * self.weight * min(max(completion, ZERO), self.cap)


def quarter_actual(monthly, balance):
    """The quarter's actual from its three monthly credited values (INTERFACES.md): the mean of
    a balance, the sum of a flow."""
    total = sum(monthly, ZERO)
    return total / 3 if balance else total


@dataclass
class Score:
    quantitative: Decimal
    qualitative: Decimal
    total: Decimal
    flags: list = field(default_factory=list)


def score(lines, qualitative, *, quantitative_share, qualitative_share):
    """Rule P3: the rounded quantitative, qualitative and total scores, and the flags (a missing
    or zero target; no review, scored 0)."""
    flags = [NO_TARGET + line.indicator for line in lines if line.completion is None]
    if qualitative is None:
        flags.append(NO_REVIEW)
        qualitative = ZERO
    quantitative = sum((line.points for line in lines), ZERO)
    total = quantitative_share * quantitative + qualitative_share * qualitative
    return Score(money(quantitative), money(qualitative), money(total), flags)


def competition_ranks(totals):
    """Rank by total, highest first; equal totals share the better rank (1, 2, 2, 4).
    `totals`: {key: total} → {key: rank}."""
    ordered = sorted(totals.values(), reverse=True)
    first = {}
    for position, total in enumerate(ordered, start=1):
        first.setdefault(total, position)
    return {key: first[total] for key, total in totals.items()}


# --- ratings and calibration (rule P9) --------------------------------------------------------


@dataclass(frozen=True)
class RatingLines:
    excellent_share: Decimal = Decimal("0.15")
    good_share: Decimal = Decimal("0.50")
    needs_improvement_below: Decimal = Decimal("60")
    unsatisfactory_below: Decimal = Decimal("40")

    def excellent_places(self, managers):
        return int(self.excellent_share * managers)  # floor: shares are never negative

    def good_places(self, managers):
        return int(self.good_share * managers)


def rating(rank_city, managers, total, lines):
    """Rule P9: the rating of a manager ranked `rank_city` of `managers` in the city branch."""
    if total < lines.unsatisfactory_below:
        return "UNSATISFACTORY"
    if total < lines.needs_improvement_below:
        return "NEEDS_IMPROVEMENT"
    if rank_city <= lines.excellent_places(managers):
        return "EXCELLENT"
    if rank_city <= lines.good_places(managers):
        return "GOOD"
    return "COMPETENT"


def calibration_problem(current, proposed, ratings, lines, by_rank=None):
    """Why a city branch may not move a manager from `current` to `proposed` (None if it may):
    one step up or down from the rating by rank (`by_rank`, `current` when not given) or back to
    it, and EXCELLENT within its share and EXCELLENT + GOOD within theirs, counted over `ratings`
    (every rating of the city branch's managers, before the move)."""
    by_rank = by_rank or current
    if proposed not in RATINGS or current not in RATINGS or by_rank not in RATINGS:
        return _("Unknown rating.")
    if proposed == current or abs(RATINGS.index(proposed) - RATINGS.index(by_rank)) > 1:
        return _("A calibration moves a rating by one step from its rating by rank, up or down.")
    after = list(ratings)
    after.remove(current)
    after.append(proposed)
    managers = len(after)
    excellent = after.count("EXCELLENT")
    good_or_better = excellent + after.count("GOOD")
    if excellent > lines.excellent_places(managers):
        return _("At most %(places)d of %(managers)d managers may be rated excellent; there would be %(count)d.") % {
            "places": lines.excellent_places(managers),
            "managers": managers,
            "count": excellent,
        }
    if good_or_better > lines.good_places(managers):
        return _(
            "At most %(places)d of %(managers)d managers may be rated good or excellent; there would be %(count)d."
        ) % {"places": lines.good_places(managers), "managers": managers, "count": good_or_better}
    return None


# --- decisions (rule P6) ----------------------------------------------------------------------


def recommendation(history, *, promote_share, exit_below, quarters_running):
    """Rule P6 from a manager's last quarters, newest first: [(rank_city, managers, total)].
    "PROMOTE" when in the top `promote_share` of the city branch each of `quarters_running`
    consecutive quarters, "EXIT_REVIEW" when the total was below `exit_below` each of them."""
    recent = history[:quarters_running]
    if len(recent) < quarters_running:
        return None
    if all(rank <= max(1, int(promote_share * managers)) for rank, managers, _total in recent):
        return "PROMOTE"
    if all(total < exit_below for _rank, _managers, total in recent):
        return "EXIT_REVIEW"
    return None


# --- the bonus pool and the pay floor (rules P6, P8) ------------------------------------------


@dataclass
class Share:
    key: object
    total: Decimal  # the appraisal total
    coefficient: Decimal  # the grade's pay coefficient
    base_pay: Decimal | None
    certified: bool  # holds a valid certificate: only they are topped up to the floor
    top_up: Decimal = ZERO
    bonus: Decimal = ZERO

    @property
    def weight(self):
        return max(self.total, ZERO) * self.coefficient

    @property
    def pay(self):
        return (self.base_pay or ZERO) + self.top_up + self.bonus


@dataclass
class Allocation:
    shares: list
    pool: Decimal
    floor: Decimal | None  # the pay floor (rule P8), None without back-office pay to set it
    shortfall: Decimal  # what the floors asked for
    short: bool  # the pool could not meet every floor: they were shared in proportion
    without_pay: list = field(default_factory=list)  # certified, but no base pay on record: not topped up


def allocate(pool, shares, floor):
    """Rules P6 and P8: each certified manager is first topped up so that base pay + bonus
    reaches `floor`; the rest of the pool is shared in proportion to total × grade coefficient,
    with no upper limit. A pool too small for the floors is shared in proportion to the
    shortfalls and reported (`short`). Amounts are rounded to the cent; the cents lost to
    rounding go to the largest shares, so the pool is shared to the cent."""
    pool = money(pool)
    gaps = {}
    # A manager without base pay on record is not topped up by the whole floor: reported instead.
    without_pay = [share.key for share in shares if share.certified and share.base_pay is None]
    if floor is not None:
        for share in shares:
            if share.certified and share.base_pay is not None:
                gap = floor - share.base_pay
                if gap > 0:
                    gaps[share.key] = gap
    shortfall = sum(gaps.values(), ZERO)
    short = shortfall > pool
    top_ups = {key: (gap * pool / shortfall if short else gap) for key, gap in gaps.items()}
    for share in shares:
        share.top_up = top_ups.get(share.key, ZERO)
    rest = pool - sum(top_ups.values(), ZERO)
    weights = sum((share.weight for share in shares), ZERO)
    for share in shares:
        share.bonus = rest * share.weight / weights if weights and rest > 0 else ZERO
    _to_the_cent(shares, pool)
    return Allocation(
        shares=shares, pool=pool, floor=floor, shortfall=money(shortfall), short=short, without_pay=without_pay
    )


def _to_the_cent(shares, pool):
    for share in shares:
        share.top_up, share.bonus = money(share.top_up), money(share.bonus)
    if not shares:
        return
    left = pool - sum((share.top_up + share.bonus for share in shares), ZERO)
    ordered = sorted(shares, key=lambda share: (-(share.top_up + share.bonus), str(share.key)))
    step = CENT if left > 0 else -CENT
    index = 0
    while left != 0 and any(share.top_up + share.bonus > 0 for share in shares):
        share = ordered[index % len(ordered)]
        if step > 0 or share.bonus > 0:
            share.bonus += step
            left -= step
        index += 1
