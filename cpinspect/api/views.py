"""The REST API. Reference data is public; inspections go through the same selectors as pages."""

import django_filters
from rest_framework import permissions, viewsets
from rest_framework.response import Response

from cpinspect.api import serializers
from cpinspect.audittrail.models import AccessAction
from cpinspect.audittrail.services import access_log_record
from cpinspect.programmes import selectors
from cpinspect.programmes.models import Inspection
from cpinspect.registry.models import Council, Force


class ForceViewSet(viewsets.ReadOnlyModelViewSet):
    """The 43 territorial police forces of England and Wales (public)."""

    queryset = Force.objects.all()
    serializer_class = serializers.ForceSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "code"
    filterset_fields = ["country"]


class CouncilFilter(django_filters.FilterSet):
    force = django_filters.CharFilter(field_name="force__code", label="Force code")

    class Meta:
        model = Council
        fields = ["force", "country"]


class CouncilViewSet(viewsets.ReadOnlyModelViewSet):
    """Upper-tier councils (children's services authorities), each in one force area (public)."""

    queryset = Council.objects.select_related("force")
    serializer_class = serializers.CouncilSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "code"
    filterset_class = CouncilFilter


class InspectionFilter(django_filters.FilterSet):
    force = django_filters.CharFilter(field_name="force__code", label="Force code")
    programme = django_filters.CharFilter(field_name="programme__name")

    class Meta:
        model = Inspection
        fields = ["force", "programme", "status", "kind"]


class InspectionViewSet(viewsets.ReadOnlyModelViewSet):
    """Inspections the signed-in user may see (same rules as the web pages)."""

    serializer_class = serializers.InspectionSerializer
    filterset_class = InspectionFilter

    def get_queryset(self):
        return selectors.inspections_visible_to(self.request.user).order_by("pk")

    def retrieve(self, request, *args, **kwargs):
        inspection = self.get_object()
        access_log_record(
            user=request.user,
            action=AccessAction.VIEW,
            obj=inspection,
            inspection_id=inspection.pk,
            via="api",
        )
        return Response(self.get_serializer(inspection).data)
