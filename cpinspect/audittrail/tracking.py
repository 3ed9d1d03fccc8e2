"""One decorator for every domain model whose changes must be recorded by database triggers."""

import pghistory


def track_changes(**kwargs):
    """Record every insert, update and delete of the model (django-pghistory triggers)."""
    return pghistory.track(
        pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), **kwargs
    )
