"""Reference data and organisations in the API: /api/fields/, /api/regions/, /api/organizations/."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Organization
from accounts.selectors import organization_list_visible_to
from portal.api import MAX_REFERENCE_ROWS
from portal.models import Region, TechField
from portal.reference.regions import region_full_names, region_table
from portal.selectors import tech_field_list


class TechFieldListApi(GenericAPIView):
    """All active technology fields: the eight top-level fields and their sub-fields."""

    permission_classes = [AllowAny]
    pagination_class = None
    queryset = TechField.objects.none()

    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField()
        name = serializers.CharField()
        # DRF's SerializerMetaclass pops declared fields from the class body, so a field named
        # "parent" does not shadow Field.parent at runtime; the stubs cannot model that.
        parent = serializers.CharField(  # type: ignore[assignment]
            allow_null=True, source="parent.code", default=None
        )

        class Meta:
            ref_name = "TechField"

    @extend_schema(tags=["reference"], responses=OutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        fields = tech_field_list()[:MAX_REFERENCE_ROWS]
        return Response(self.OutputSerializer(fields, many=True).data)


class RegionListApi(GenericAPIView):
    """GB/T 2260 divisions; ?parent=370000 for the children of one, ?level=1|2|3."""

    permission_classes = [AllowAny]
    pagination_class = None
    queryset = Region.objects.none()

    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField()
        name = serializers.CharField()
        full_name = serializers.CharField()
        level = serializers.IntegerField()
        parent = serializers.CharField()  # type: ignore[assignment]  # see TechFieldListApi

        class Meta:
            ref_name = "Region"

    class FilterSerializer(serializers.Serializer):
        parent = serializers.RegexField(r"^\d{6}$", required=False)  # type: ignore[assignment]
        level = serializers.ChoiceField(choices=[1, 2, 3], required=False)

    @extend_schema(
        tags=["reference"],
        parameters=[
            OpenApiParameter("parent", OpenApiTypes.STR, description=str(_("上级行政区划代码"))),
            OpenApiParameter("level", OpenApiTypes.INT, enum=[1, 2, 3]),
        ],
        responses=OutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        parent = params.validated_data.get("parent")
        level = params.validated_data.get("level")
        if parent is None and level is None:
            level = 2
        return Response(
            region_list_rows(parent=parent, level=None if level is None else int(level))
        )


@cache
def _region_rows() -> tuple[dict[str, Any], ...]:
    names = region_full_names()
    return tuple(
        {
            "code": row.code,
            "name": row.name,
            "full_name": names[row.code],
            "level": row.level,
            "parent": row.parent,
        }
        for row in region_table().values()
    )


def region_list_rows(*, parent: str | None, level: int | None) -> list[dict[str, Any]]:
    """The rows of /api/regions/ (already in RegionListApi.OutputSerializer's shape).

    Built once per process from the shipped table, so a request only filters: the whole table
    (?level=3, 3,348 rows) is the longest answer there is.
    """
    rows = [
        row
        for row in _region_rows()
        if (parent is None or row["parent"] == parent) and (level is None or row["level"] <= level)
    ]
    return rows[:MAX_REFERENCE_ROWS]


class OrganizationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    org_type = serializers.CharField()
    org_type_display = serializers.CharField(source="get_org_type_display")
    region_code = serializers.CharField()
    region_name = serializers.CharField()
    description = serializers.CharField()
    website = serializers.CharField()
    is_verified = serializers.BooleanField()


def _user(request: Request) -> Any:
    return request.user if request.user.is_authenticated else None


class OrganizationListApi(GenericAPIView):
    """Verified organisations (staff also see pending ones in their region). ?q= by name."""

    permission_classes = [AllowAny]
    queryset = Organization.objects.none()

    @extend_schema(
        tags=["organizations"],
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR),
            OpenApiParameter("org_type", OpenApiTypes.STR, enum=Organization.Type.values),
        ],
        responses=OrganizationOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        qs = organization_list_visible_to(user=_user(request)).order_by("name")
        q = request.query_params.get("q", "").strip()[:100]
        if q:
            qs = qs.filter(name__icontains=q)
        org_type = request.query_params.get("org_type", "")
        if org_type in Organization.Type.values:
            qs = qs.filter(org_type=org_type)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(OrganizationOutputSerializer(page, many=True).data)


class OrganizationDetailApi(GenericAPIView):
    permission_classes = [AllowAny]
    queryset = Organization.objects.none()

    @extend_schema(tags=["organizations"], responses=OrganizationOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        organization = get_object_or_404(organization_list_visible_to(user=_user(request)), pk=pk)
        return Response(OrganizationOutputSerializer(organization).data)
