"""Keep a force report with its inspection's lifecycle, whichever way the move is made (the
report services, or the status buttons of the inspection page): the draft goes to the factual
accuracy check with the inspection, comes back with it, and is published with it. Each
receiver only calls a service, inside the transaction of the move."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from cpinspect.programmes.models import Status, StatusChange


@receiver(post_save, sender=StatusChange, dispatch_uid="reports_follow_the_lifecycle")
def follow_the_lifecycle(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    from cpinspect.reports import services

    if instance.to_status == Status.FACTUAL_ACCURACY:
        services.on_factual_accuracy(instance.inspection, instance.changed_at)
    elif instance.from_status == Status.FACTUAL_ACCURACY and instance.to_status == Status.REPORTING:
        services.on_return_to_reporting(instance.inspection)
    elif instance.to_status == Status.PUBLISHED:
        services.on_published(instance.inspection, instance.changed_by, instance.changed_at)
