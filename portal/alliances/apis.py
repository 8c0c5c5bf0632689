"""API of the alliances: /api/alliances/ (list, create), /api/alliances/{id}/ (detail with
members and figures, edit), /api/alliances/{id}/members/ (add, remove).

One APIView per resource, nested Input/Output serializers, services do the work; their
ValidationError/PermissionDenied become 400/409/403 JSON in portal.api.exception_handler.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Alliance, AllianceMembership, Organization, User
from matching.models import MatchStatus
from portal.alliances import selectors, services
from portal.api import Pagination

_ERRORS = {
    400: OpenApiResponse(description="字段校验失败"),
    403: OpenApiResponse(description="没有权限"),
    404: OpenApiResponse(description="不存在或不可见"),
}


def _user(request: Request) -> Any:
    return request.user if request.user.is_authenticated else None


class _RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="AllianceOutput")
class AllianceOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Alliance.Kind.choices)
    kind_display = serializers.CharField(source="get_kind_display")
    region_code = serializers.CharField()
    region_name = serializers.CharField()
    website = serializers.CharField()
    is_active = serializers.BooleanField()
    member_count = serializers.IntegerField()


@extend_schema_serializer(component_name="AllianceMemberOutput")
class MemberOutputSerializer(serializers.Serializer):
    organization = _RefSerializer()
    org_type = serializers.CharField(source="organization.org_type")
    region_code = serializers.CharField(source="organization.region_code")
    role = serializers.ChoiceField(choices=AllianceMembership.Role.choices)
    role_display = serializers.CharField(source="get_role_display")
    joined_at = serializers.DateField()


@extend_schema_serializer(component_name="AllianceStageCount")
class _StageSerializer(serializers.Serializer):
    # the pair stages of /api/matches/ (a plain string: that enum is named there)
    stage = serializers.CharField(help_text=", ".join(MatchStatus.values))
    # Not Field.label: DRF's metaclass pops declared fields from the class body.
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()


@extend_schema_serializer(component_name="AllianceStats")
class StatsSerializer(serializers.Serializer):
    pairs = serializers.IntegerField(help_text="成员单位参与的对接（需求方或供给方为成员）")
    intentions = serializers.IntegerField()
    signed = serializers.IntegerField()
    contract_value = serializers.FloatField(help_text="签约合同金额（万元）")
    landed = serializers.IntegerField()
    by_stage = _StageSerializer(many=True)


class _PostingRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    organization = _RefSerializer()
    region_code = serializers.CharField()
    published_at = serializers.DateTimeField()
    members_first_until = serializers.DateField(allow_null=True)


@extend_schema_serializer(component_name="AllianceDetailOutput")
class AllianceDetailSerializer(AllianceOutputSerializer):
    description = serializers.CharField()
    created_at = serializers.DateTimeField()
    members = MemberOutputSerializer(many=True, source="member_rows")
    stats = StatsSerializer()
    needs = _PostingRefSerializer(many=True, help_text="成员单位最新发布的需求（对本人可见的）")
    results = _PostingRefSerializer(many=True, help_text="成员单位最新发布的成果（对本人可见的）")
    is_member = serializers.BooleanField(help_text="本人所在机构是否为成员单位")
    can_manage = serializers.BooleanField(help_text="本人能否管理成员和简介")


def _detail(request: Request, alliance: Alliance) -> dict[str, Any]:
    """The detail body; what depends on the viewer is read through the selectors."""
    user = _user(request)
    alliance = selectors.get_alliance_for_user(user=user, alliance_id=alliance.pk)
    view: Any = alliance  # the serializer reads these as attributes
    view.member_rows = selectors.alliance_memberships(alliance=alliance)
    view.stats = selectors.alliance_stats(alliance=alliance)
    view.needs = selectors.alliance_postings(alliance=alliance, user=user, kind="need")
    view.results = selectors.alliance_postings(alliance=alliance, user=user, kind="result")
    view.is_member = selectors.is_alliance_member(user=user, alliance=alliance)
    view.can_manage = selectors.can_manage_alliance(user, alliance)
    return AllianceDetailSerializer(view).data  # type: ignore[return-value]


class AllianceListApi(APIView):
    """GET: the alliances the user may see (active ones for everyone). POST: a new alliance
    (bureau staff, in their jurisdiction)."""

    permission_classes = [IsAuthenticatedOrReadOnly]
    pagination_class = Pagination

    @extend_schema_serializer(component_name="AllianceCreateInput")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        kind = serializers.ChoiceField(
            choices=Alliance.Kind.choices,
            required=False,
            default=Alliance.Kind.ALLIANCE,
            error_messages={"invalid_choice": _("类型只能是 alliance、league 或 sub_platform。")},
        )
        region_code = serializers.CharField(max_length=6, help_text="GB/T 2260 六位行政区划代码")
        description = serializers.CharField(
            required=False, allow_blank=True, max_length=5000, default=""
        )
        website = serializers.URLField(required=False, allow_blank=True, default="")

    @extend_schema(tags=["alliances"], responses=AllianceOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        qs = selectors.alliance_list_visible_to(user=_user(request))
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(AllianceOutputSerializer(page, many=True).data)

    @extend_schema(
        tags=["alliances"],
        request=InputSerializer,
        responses={201: AllianceDetailSerializer, **_ERRORS},
    )
    def post(self, request: Request) -> Response:
        if not selectors.can_create_alliance(request.user):  # type: ignore[arg-type]
            raise exceptions.PermissionDenied(_("只有科技局工作人员可以创建联盟。"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alliance = services.alliance_create(by=request.user, **data.validated_data)  # type: ignore[arg-type]
        return Response(_detail(request, alliance), status=status.HTTP_201_CREATED)


class AllianceDetailApi(APIView):
    """GET: an alliance with its members, its members' postings the user may see and the
    figures of its members' pairs. PATCH: its description or website (its admins, staff)."""

    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema_serializer(component_name="AllianceUpdateInput")
    class InputSerializer(serializers.Serializer):
        description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
        website = serializers.URLField(required=False, allow_blank=True)

    @extend_schema(tags=["alliances"], responses={200: AllianceDetailSerializer, 404: _ERRORS[404]})
    def get(self, request: Request, pk: int) -> Response:
        alliance = selectors.get_alliance_for_user(user=_user(request), alliance_id=pk)
        return Response(_detail(request, alliance))

    @extend_schema(
        tags=["alliances"],
        request=InputSerializer,
        responses={200: AllianceDetailSerializer, **_ERRORS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        user: User = request.user  # type: ignore[assignment]
        alliance = selectors.get_alliance_for_user(user=user, alliance_id=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alliance = services.alliance_update(
            alliance=alliance,
            by=user,
            description=data.validated_data.get("description", alliance.description),
            website=data.validated_data.get("website"),
        )
        return Response(_detail(request, alliance))


def _organization(value: Any, name: Any) -> Organization:
    """The organisation an admin names, by id or by exact name; 400 in Chinese otherwise."""
    if value not in (None, ""):
        try:
            pk = int(value)
        except (TypeError, ValueError):
            raise exceptions.ValidationError({"organization": [_("机构 id 应为整数。")]}) from None
        organization = Organization.objects.filter(pk=pk).first()
        if organization is None:
            raise exceptions.ValidationError(
                {"organization": [_("机构 %(id)s 不存在。") % {"id": pk}]}
            )
        return organization
    if isinstance(name, str) and name.strip():
        organization = Organization.objects.filter(name=name.strip()).first()
        if organization is None:
            raise exceptions.ValidationError(
                {"organization_name": [_("没有名为“%(name)s”的机构。") % {"name": name.strip()}]}
            )
        return organization
    raise exceptions.ValidationError(
        {"organization": [_("请提供机构 id（organization）或机构名称（organization_name）。")]}
    )


class AllianceMemberApi(APIView):
    """POST: add a member organisation (by id or exact name); DELETE: remove one
    (``?organization=<id>`` or the same body). Its admins and staff of its region only;
    adding a member twice answers 409."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="AllianceMemberInput")
    class InputSerializer(serializers.Serializer):
        organization = serializers.IntegerField(
            required=False, allow_null=True, help_text="机构 id"
        )
        organization_name = serializers.CharField(
            required=False, allow_blank=True, max_length=100, help_text="或机构全称"
        )
        role = serializers.ChoiceField(
            choices=AllianceMembership.Role.choices,
            required=False,
            default=AllianceMembership.Role.MEMBER,
            error_messages={"invalid_choice": _("成员类型只能是 member 或 lead。")},
        )

    @extend_schema(
        tags=["alliances"],
        request=InputSerializer,
        responses={
            201: MemberOutputSerializer,
            409: OpenApiResponse(description="已是成员"),
            **_ERRORS,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        user: User = request.user  # type: ignore[assignment]
        alliance = selectors.get_alliance_for_user(user=user, alliance_id=pk)
        if not selectors.can_manage_alliance(user, alliance):
            raise exceptions.PermissionDenied(
                _("只有联盟管理员或所辖地区的科技局工作人员可以管理成员。")
            )
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organization = _organization(
            data.validated_data.get("organization"), data.validated_data.get("organization_name")
        )
        membership = services.alliance_member_add(
            alliance=alliance, by=user, organization=organization, role=data.validated_data["role"]
        )
        return Response(MemberOutputSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["alliances"],
        parameters=[OpenApiParameter("organization", int, description="要移除的机构 id")],
        request=None,
        responses={204: None, **_ERRORS},
    )
    def delete(self, request: Request, pk: int) -> Response:
        user: User = request.user  # type: ignore[assignment]
        alliance = selectors.get_alliance_for_user(user=user, alliance_id=pk)
        if not selectors.can_manage_alliance(user, alliance):
            raise exceptions.PermissionDenied(
                _("只有联盟管理员或所辖地区的科技局工作人员可以管理成员。")
            )
        body = request.data if isinstance(request.data, dict) else {}
        organization = _organization(
            request.query_params.get("organization", body.get("organization")),
            body.get("organization_name"),
        )
        services.alliance_member_remove(alliance=alliance, by=user, organization=organization)
        return Response(status=status.HTTP_204_NO_CONTENT)
