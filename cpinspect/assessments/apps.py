from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "cpinspect.assessments"
    verbose_name = "Case-file audit and moderation"

    def ready(self):
        from django.db.models.signals import post_save

        from cpinspect.programmes.models import StatusChange

        post_save.connect(_fix_question_sets_at_fieldwork, sender=StatusChange)


def _fix_question_sets_at_fieldwork(sender, instance, created, **kwargs):
    """The question sets are fixed on the inspection when its fieldwork starts."""
    if created and instance.to_status == "fieldwork":
        from cpinspect.assessments.services import question_sets_fix

        question_sets_fix(instance.inspection)
