from rest_framework import serializers

from cpinspect.programmes.models import Inspection
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
