"""The REST API. Reference data is public; inspections go through the same selectors as pages."""

import django_filters
from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cpinspect.accounts import access
from cpinspect.api import serializers
from cpinspect.audittrail.models import AccessAction
from cpinspect.audittrail.services import access_log_record
from cpinspect.programmes import lifecycle, selectors, services
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

    @extend_schema(
        request=serializers.MoveSerializer,
        responses={200: serializers.MovePreviewSerializer(many=True)},
    )
    @action(detail=True, methods=["get", "post"])
    def moves(self, request, pk=None):
        """GET: the moves the user may make now, each with what is outstanding before it.
        POST: make one (201 with the recorded change). With work outstanding (or to reopen
        the audit) a ``reason`` is required: 409 ``reason_required`` lists what is
        outstanding; 409 ``outstanding_changed`` when ``outstanding_seen`` is not the
        current list's fingerprint; 403 for someone who may not make the move."""
        inspection = selectors.inspection_for(request.user, pk)
        if request.method == "GET":
            previews = [
                services.transition_preview(
                    request.user,
                    inspection=inspection,
                    target=t.target,
                )
                for t in lifecycle.transitions_from(inspection.status)
                if access.may_make_transition(request.user, inspection, t)
            ]
            return Response(serializers.MovePreviewSerializer(previews, many=True).data)
        form = serializers.MoveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            change = services.inspection_transition(
                request.user,
                inspection=inspection,
                target=data["target"],
                note=data["note"],
                reason=data["reason"],
                outstanding_seen=data["outstanding_seen"] or None,
            )
        except services.ReasonRequired as refusal:
            changed = isinstance(refusal, services.OutstandingChanged)
            return Response(
                {
                    "detail": str(refusal),
                    "code": "outstanding_changed" if changed else "reason_required",
                    "outstanding": [item.as_dict() for item in refusal.outstanding],
                    "outstanding_fingerprint": refusal.fingerprint,
                },
                status=status.HTTP_409_CONFLICT,
            )
        except services.NotAnActor as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_403_FORBIDDEN)
        except services.TransitionRefused as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_409_CONFLICT)
        except ValidationError as invalid:
            return Response(invalid.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            serializers.StatusChangeSerializer(change).data, status=status.HTTP_201_CREATED
        )
