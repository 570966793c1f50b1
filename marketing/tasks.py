from celery import shared_task
from django.utils import timezone

from accounts.actors import SYSTEM

from . import standing


@shared_task(name="marketing.standing_rebuild")
def standing_rebuild():
    """Rebuild the read model (marketing.standing) for today; again if a write came meanwhile
    (a writer through the services queues its own rebuild when it leaves the rows unread).
    Idempotent: a rebuild recomputes every row from the sources."""
    if standing.covers(timezone.localdate()):
        return True  # nothing written since the last build (one rebuild serves every queued one)
    return any(standing.rebuild(actor=SYSTEM) for _attempt in range(3))
