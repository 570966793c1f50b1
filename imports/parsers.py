"""Cell parsers of the import formats (INTERFACES.md): each takes the stripped cell text and
answers a value or raises ValidationError with a message for the user."""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

TRUE_WORDS = {"1", "true", "是"}
FALSE_WORDS = {"0", "false", "否"}


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
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def text(cell, max_length=100):
    if len(cell) > max_length:
        raise ValidationError(_("At most %(max)d characters.") % {"max": max_length})
    return cell


def code(cell):
    if not re.fullmatch(r"[A-Za-z0-9_.@+-]{1,32}", cell):
        raise ValidationError(_("A code is 1 to 32 letters, digits or _ . @ + -."))
    return cell


def choice(choices):
    """A parser that accepts the values of a TextChoices class."""

    def parse(cell):
        value = cell.upper()
        if value not in choices.values:
            raise ValidationError(_("%(value)s is not one of %(choices)s.") % {
                "value": cell, "choices": "/".join(choices.values)})
        return value

    return parse


def boolean(cell):
    word = cell.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError(_("%(value)s is not a yes/no value (1/0/true/false/是/否).") % {"value": cell})


def date(cell):
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", cell):
            raise ValueError
        return datetime.date.fromisoformat(cell)
    except ValueError:
        raise ValidationError(_("%(value)s is not a date YYYY-MM-DD.") % {"value": cell}) from None


def month(cell):
    """A month YYYY-MM, as the date of its first day (a spreadsheet's date of a month's first
    day, YYYY-MM-01, is taken too)."""
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-01)?", cell)
    if not match or not 1 <= int(match[2]) <= 12:
        raise ValidationError(_("%(value)s is not a month YYYY-MM.") % {"value": cell})
    return datetime.date(int(match[1]), int(match[2]), 1)


def quarter(cell):
    """A quarter YYYYQn, as the text itself (normalised)."""
    match = re.fullmatch(r"(\d{4})[Qq]([1-4])", cell)
    if not match:
        raise ValidationError(_("%(value)s is not a quarter YYYYQn.") % {"value": cell})
    return f"{match[1]}Q{match[2]}"


def integer(minimum=None, maximum=None):
    def parse(cell):
        if not re.fullmatch(r"[+-]?\d+", cell):
            raise ValidationError(_("%(value)s is not a whole number.") % {"value": cell})
        value = int(cell)
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise ValidationError(_("%(value)s is not between %(min)s and %(max)s.") % {
                "value": cell, "min": minimum, "max": maximum})
        return value

    return parse


def money(cell, allow_negative=False):
    """Yuan with at most 2 decimals, as Decimal."""
    try:
        value = Decimal(cell.replace(",", ""))
    except InvalidOperation:
        raise ValidationError(_("%(value)s is not an amount of money.") % {"value": cell}) from None
    if not value.is_finite() or value.as_tuple().exponent < -2:
        raise ValidationError(_("%(value)s: money has at most 2 decimals.") % {"value": cell})
    if value < 0 and not allow_negative:
        raise ValidationError(_("%(value)s: the amount cannot be negative.") % {"value": cell})
    return value.quantize(Decimal("0.01"))
