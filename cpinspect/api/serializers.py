from rest_framework import serializers

from cpinspect.programmes.models import Inspection, Status, StatusChange
from cpinspect.registry.models import Council, Force


class ForceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Force
        fields = ["code", "name", "country"]


class CouncilSerializer(serializers.ModelSerializer):
    force = serializers.SlugRelatedField(slug_field="code", read_only=True)
    force_name = serializers.CharField(source="force.name", read_only=True)

    class Meta:
        model = Council
        fields = ["code", "name", "name_welsh", "country", "force", "force_name"]


class InspectionSerializer(serializers.ModelSerializer):
    programme = serializers.CharField(source="programme.name", read_only=True)
    force = serializers.SlugRelatedField(slug_field="code", read_only=True)
    council = serializers.SlugRelatedField(slug_field="code", read_only=True)
    subject = serializers.CharField(source="subject_name", read_only=True)
    partner_inspectorates = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )

    class Meta:
        model = Inspection
        fields = [
            "id",
            "programme",
            "kind",
            "subject",
            "force",
            "council",
            "partner_inspectorates",
            "fieldwork_starts_on",
            "fieldwork_ends_on",
            "status",
        ]


class OutstandingSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField(help_text="What is unfinished, with no figure.")
    detail = serializers.CharField(help_text="What is unfinished, with its figures.")
    count = serializers.IntegerField()
    link = serializers.CharField(help_text="The page where it is done.")


class MovePreviewSerializer(serializers.Serializer):
    """One move the user may make now, and what is outstanding before it."""

    target = serializers.CharField(source="move.target")
    label = serializers.CharField(source="move.label")
    needs_reason = serializers.BooleanField(
        help_text="True when something is outstanding or the move reopens the audit."
    )
    outstanding = OutstandingSerializer(many=True)
    outstanding_fingerprint = serializers.CharField(
        source="fingerprint",
        help_text="Send it back as outstanding_seen: a move confirmed against another list "
        "of outstanding work is refused (409, outstanding_changed).",
    )


class MoveSerializer(serializers.Serializer):
    """A lifecycle move: the reason is required when something is outstanding (and for a
    reopening); it is published in the report's methodology annex."""

    target = serializers.ChoiceField(choices=Status.choices)
    note = serializers.CharField(allow_blank=True, max_length=2000, default="")
    reason = serializers.CharField(allow_blank=True, max_length=2000, default="")
    outstanding_seen = serializers.CharField(allow_blank=True, max_length=64, default="")


class StatusChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.CharField(source="changed_by.full_name", read_only=True)

    class Meta:
        model = StatusChange
        fields = [
            "id",
            "from_status",
            "to_status",
            "changed_by",
            "changed_at",
            "note",
            "outstanding",
            "reason",
        ]
        read_only_fields = fields
