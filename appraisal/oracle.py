"""Rule P2 in plain Python, the oracle of credit.py's SQL: loads the assignments and the metrics
and credits each client-month itself. Only the tests call it (it loops over clients)."""

from collections import defaultdict

from marketing.models import ClientMetric
from staffing.models import Assignment

from .models import FIGURE
from .rules import ZERO, days_inside, month_days


def credited_months(quarter, employee_ids):
    """{employee_id: {figure: {month: credited value}}}, as credit.credited_months answers."""
    metrics = {
        (metric.client_id, metric.month): metric
        for metric in ClientMetric.objects.filter(month__gte=quarter.start, month__lte=quarter.end)
    }
    credited = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: ZERO)))
    for assignment in Assignment.objects.filter(employee_id__in=employee_ids):
        for month in quarter.months:
            days = days_inside(month, assignment.valid_from, assignment.valid_to)
            metric = metrics.get((assignment.client_id, month))
            if not days or metric is None:
                continue
            for figure in FIGURE.values():
                value = getattr(metric, figure)
                if value:
                    share = value * assignment.split * days / (100 * month_days(month))
                    credited[assignment.employee_id][figure][month] += share
    return credited
