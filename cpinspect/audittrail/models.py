"""The access log: who viewed, exported, downloaded or revealed case-level data, and when.

Append-only: a trigger refuses UPDATE and DELETE, and the application's database role has
neither privilege on this table (see ``protection``).
"""

import pgtrigger
from django.conf import settings
from django.db import models


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed"
    EXPORT = "export", "Exported"
    DOWNLOAD = "download", "Downloaded"
    REVEAL = "reveal", "Revealed"


class AccessLogEntry(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_log_entries"
    )
    action = models.CharField(max_length=12, choices=AccessAction.choices)
    object_type = models.CharField(max_length=100, help_text="app_label.model")
    object_id = models.CharField(max_length=64)
    inspection_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    request_id = models.CharField(max_length=36, blank=True)
    via = models.CharField(max_length=8, choices=[("web", "Web"), ("api", "API"), ("cli", "CLI")])

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "access log entries"
        indexes = [models.Index(fields=["object_type", "object_id"])]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self):
        return (
            f"{self.user} {self.get_action_display().lower()} {self.object_type} {self.object_id}"
        )
