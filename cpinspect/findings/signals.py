"""The one hook into the lifecycle: publishing a report opens the force's action plan.

The receiver only calls the service (``services.action_plan_open``), inside the publishing
transaction, so the plan and the publication land together or not at all. If the publish
service comes to call ``action_plan_open`` itself, delete this module and its import in
``apps.py``.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from cpinspect.findings import services
from cpinspect.programmes.models import Status, StatusChange


@receiver(post_save, sender=StatusChange, dispatch_uid="findings_action_plan_on_publication")
def open_action_plan_on_publication(sender, instance, created, raw=False, **kwargs):
    if created and not raw and instance.to_status == Status.PUBLISHED:
        services.action_plan_open(status_change=instance)
