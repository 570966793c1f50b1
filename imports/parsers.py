"""Cell parsers of the import formats (INTERFACES.md): each takes the stripped cell text and
answers a value or raises ValidationError with a message for the user.

A parser may carry `format` (how to fill the cell in, for the templates' instructions) and a
choice parser `choices` ((value, label) pairs). Numbers are read strictly: the file is the bank's
record, and a loose reading (`1,,,0` as 10, `1_000` as 1000, `1e30`) would store what nobody wrote.
"""

import datetime
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bankops import dated

TRUE_WORDS = {"1", "true", "是"}
FALSE_WORDS = {"0", "false", "否"}

# Years a date of the bank's records can have: refuses typing slips such as 0000-01 or 9999-12-31
# (and datetime's year 0, which does not exist).
FIRST_YEAR, LAST_YEAR = dated.FIRST_DAY.year, dated.LAST_DAY.year
# Money columns are max_digits 18 with 2 decimals: below 10^16 yuan.
MONEY_LIMIT = Decimal(10) ** 16

# Control characters (C0, DEL, C1) and the invisible bidirectional marks, overrides and isolates
# that make a name read differently from what it holds ("Trojan Source"). Refused in every cell.
HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

# ASCII digits only: \d and int() also take other scripts' digits, and int() takes 1_000.
GROUPED = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)"
MONEY = re.compile(rf"-?{GROUPED}(?:\.[0-9]{{1,2}})?")
INTEGER = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3}){0,5}|[0-9]{1,18})")


@dataclass(frozen=True)
class Canonical:
    """The canonical form of a parser's cells, for the imports staged in the database (engine,
    staging): the cells a file of millions of rows holds, checked a chunk of the file at a time
    instead of one cell at a time.

    A cell that matches `pattern` (ASCII, no comma, quote or line break) is one the parser takes
    as it is; staged in a column of type `column` (per database vendor), `sql` (`{}` the staged
    column) reads it to the very value the parser answers. A cell that does not match goes
    through the parser as before, which refuses it with its message or answers a value, staged
    as `text(value)` (a text matching `pattern`). The pattern of a key's column admits one text
    per value (code and month do), so that keys compare as texts."""

    pattern: str
    column: dict = field(default_factory=lambda: {"postgresql": "text", "sqlite": "text"})
    sql: dict = field(default_factory=lambda: {"postgresql": "{}", "sqlite": "{}"})
    text: Callable = str


def described(format):
    """Give a parser its `format`, the text the templates show for its cells."""

    def decorate(parse):
        parse.format = format
        return parse

    return decorate


def hidden_character(cell):
    """The first control or bidirectional-override character of `cell`, or None."""
    match = HIDDEN.search(cell)
    return match[0] if match else None


def hidden_character_message(character):
    return _("The cell holds an invisible control character (U+%(code)04X); retype it.") % {"code": ord(character)}


def cell_text(value):
    """An XLSX cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e18:
        return str(int(value))
    return str(value)


@described(gettext_lazy("Text, at most 100 characters"))
def text(cell, max_length=100):
    if len(cell) > max_length:
        raise ValidationError(_("At most %(max)d characters.") % {"max": max_length})
    return cell


def text_up_to(max_length):
    """A text parser of cells of at most `max_length` characters."""

    @described(format_lazy(gettext_lazy("Text, at most {} characters"), max_length))
    def parse(cell):
        return text(cell, max_length)

    return parse


CODE = r"[A-Za-z0-9_.@+-]{1,32}"


@described(gettext_lazy("Code: 1 to 32 letters, digits or _ . @ + -"))
def code(cell):
    if not re.fullmatch(CODE, cell):
        raise ValidationError(_("A code is 1 to 32 letters, digits or _ . @ + -."))
    return cell


code.canonical = Canonical(CODE)


def choice(choices, only=None):
    """A parser of the values of `choices`: a TextChoices class, (value, label) pairs, or an
    object with `values` (no labels). `only` keeps some of them.

    A cell holds the value (any case) or its label, in Chinese or English whatever the active
    language: staff fill in the template's drop-downs, which list the Chinese names."""
    if hasattr(choices, "choices"):
        pairs = list(choices.choices)
    elif hasattr(choices, "values"):
        pairs = [(value, value) for value in choices.values]
    else:
        pairs = list(choices)
    if only is not None:
        kept = {str(value) for value in only}
        pairs = [(value, label) for value, label in pairs if value in kept]
    values = [value for value, _label in pairs]

    @functools.cache
    def by_label():
        # Built on first use (the catalogs are loaded by then), once: labels do not change.
        words = {}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                for value, label in pairs:
                    words.setdefault(str(label).strip().casefold(), value)
        return words

    @described(gettext_lazy("One of the allowed values (sheet 可选值), as code or Chinese name"))
    def parse(cell):
        value = cell.upper()
        if value in values:
            return value
        value = by_label().get(cell.casefold())
        if value is None:
            named = [
                value if str(label) == value else _("%(code)s (%(label)s)") % {"code": value, "label": label}
                for value, label in pairs
            ]
            raise ValidationError(
                _("%(value)s is not one of %(choices)s.") % {"value": cell, "choices": "/".join(named)}
            )
        return value

    parse.choices = pairs
    return parse


@described(gettext_lazy("是/否 (or 1/0, true/false)"))
def boolean(cell):
    word = cell.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError(_("%(value)s is not a yes/no value (1/0/true/false/是/否).") % {"value": cell})


def _check_year(cell, year):
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(
            _("%(value)s: the year must lie between %(first)d and %(last)d.")
            % {"value": cell, "first": FIRST_YEAR, "last": LAST_YEAR}
        )


# Dates and months repeat across the rows of a file: one shared object each keeps millions of
# parsed rows small (exceptions are not cached).
@described(gettext_lazy("Date YYYY-MM-DD"))
@functools.lru_cache(maxsize=4096)
def date(cell):
    """YYYY-MM-DD, the contract; also YYYY/M/D, which Excel on Chinese Windows writes for a date
    cell saved as CSV (an added form: the contract's stays)."""
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", cell) or re.fullmatch(
        r"([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})", cell
    )
    if match:
        _check_year(cell, int(match[1]))
    try:
        if not match:
            raise ValueError
        return datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValidationError(_("%(value)s is not a date YYYY-MM-DD.") % {"value": cell}) from None


@described(gettext_lazy("Month YYYY-MM"))
@functools.lru_cache(maxsize=1024)
def month(cell):
    """A month YYYY-MM, as the date of its first day (a spreadsheet's date of a month's first
    day, YYYY-MM-01, is taken too)."""
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})(?:-01)?", cell)
    if not match or not 1 <= int(match[2]) <= 12:
        raise ValidationError(_("%(value)s is not a month YYYY-MM.") % {"value": cell})
    _check_year(cell, int(match[1]))
    return datetime.date(int(match[1]), int(match[2]), 1)


# YYYY-MM with a year of FIRST_YEAR..LAST_YEAR (1900..2100) and a month of 01..12.
month.canonical = Canonical(
    r"(?:19[0-9][0-9]|20[0-9][0-9]|2100)-(?:0[1-9]|1[0-2])",
    sql={"postgresql": "CAST({} || '-01' AS date)", "sqlite": "{} || '-01'"},  # SQLite keeps dates as text
    text=lambda value: f"{value.year:04d}-{value.month:02d}",
)


@described(gettext_lazy("Quarter YYYYQn, e.g. 2026Q1"))
def quarter(cell):
    """A quarter YYYYQn, as the text itself (normalised)."""
    match = re.fullmatch(r"([0-9]{4})[Qq]([1-4])", cell)
    if not match:
        raise ValidationError(_("%(value)s is not a quarter YYYYQn.") % {"value": cell})
    _check_year(cell, int(match[1]))
    return f"{match[1]}Q{match[2]}"


def integer(minimum=None, maximum=None):
    """A whole number: ASCII digits, thousands grouped by commas or not (at most 18 digits)."""

    @described(gettext_lazy("Whole number"))
    def parse(cell):
        if not INTEGER.fullmatch(cell):
            raise ValidationError(_("%(value)s is not a whole number.") % {"value": cell})
        value = int(cell.replace(",", ""))
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise ValidationError(
                _("%(value)s is not between %(min)s and %(max)s.") % {"value": cell, "min": minimum, "max": maximum}
            )
        return value

    return parse


def decimal(maximum, places=2):
    """A number from 0 to `maximum` with at most `places` decimals, as Decimal (a percentage,
    days of training): ASCII digits, no grouping."""
    pattern = re.compile(rf"[0-9]{{1,6}}(?:\.[0-9]{{1,{places}}})?")

    @described(
        format_lazy(
            gettext_lazy("Number from 0 to {maximum}, at most {places} decimals"), maximum=maximum, places=places
        )
    )
    def parse(cell):
        if not pattern.fullmatch(cell):
            raise ValidationError(
                _("%(value)s is not a number from 0 to %(max)s with at most %(places)s decimals.")
                % {"value": cell, "max": maximum, "places": places}
            )
        value = Decimal(cell)
        if value > maximum:
            raise ValidationError(_("%(value)s is more than %(max)s.") % {"value": cell, "max": maximum})
        return value

    return parse


@described(gettext_lazy("Yuan, at most 2 decimals, e.g. 1234567.89 or 1,234,567.89"))
def money(cell, allow_negative=False):
    """Yuan with at most 2 decimals, as Decimal: [-]digits[.dd], thousands grouped by commas or
    not; below 10^16 (the columns hold 18 digits)."""
    if not MONEY.fullmatch(cell):
        if re.fullmatch(r"-?[0-9,]*\.[0-9]{3,}", cell):
            raise ValidationError(_("%(value)s: money has at most 2 decimals.") % {"value": cell})
        raise ValidationError(_("%(value)s is not an amount of money.") % {"value": cell})
    value = Decimal(cell.replace(",", ""))
    if abs(value) >= MONEY_LIMIT:
        raise ValidationError(_("%(value)s: an amount must be below 10^16 yuan.") % {"value": cell})
    if value < 0 and not allow_negative:
        raise ValidationError(_("%(value)s: the amount cannot be negative.") % {"value": cell})
    return value.quantize(Decimal("0.01"))


def _cents(value):
    return int(value.scaleb(2))


def _yuan(cents):
    digits = str(abs(cents)).rjust(3, "0")
    return Decimal(f"{'-' if cents < 0 else ''}{digits[:-2]}.{digits[-2:]}")  # 0 → 0.00, not 0E-2


# An import holds its parsed amounts as integer cents (a third of a Decimal's memory).
money.compact = (_cents, _yuan)
# Plain digits, at most 16 before the point (below MONEY_LIMIT) and 2 after, not negative: the
# cells of a bank system's export. Grouped digits ("1,234.50") and the rest go through money().
# Staged as numbers: PostgreSQL's COPY reads them as it reads the column's; SQLite's numeric
# affinity keeps them as it keeps the Decimal text Django writes.
money.canonical = Canonical(
    r"[0-9]{1,16}(?:\.[0-9]{1,2})?",
    column={"postgresql": "numeric(18, 2)", "sqlite": "numeric"},
    text=lambda value: format(value, "f"),
)
