"""API of the expert dispatch rounds (产业特派员) under /api/dispatch/.

Thin views: find the round (and assignment) the user may see (404 otherwise), check the
input's types, call one service; the services check who may act (403) and the rules (400,
409 on conflicts), each in one transaction. Lists come from the selectors, a page at a time.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Count, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from portal.api import Pagination, errors_renamed, valid_input
from portal.dispatch import selectors as sel
from portal.dispatch import serializers as s
from portal.dispatch import services
from portal.dispatch.models import Assignment, Round, RoundEnterprise, Visit, Volunteer

CREATED = status.HTTP_201_CREATED


def _viewer(request: Request) -> User | None:
    return cast(User, request.user) if request.user.is_authenticated else None


def _actor(request: Request) -> User:
    return cast(User, request.user)


def _rounds(request: Request) -> QuerySet[Round]:
    return (
        sel.round_list_visible_to(user=_viewer(request))
        .annotate(
            enterprise_count=Count("enterprises", distinct=True),
            volunteer_count=Count("volunteers", distinct=True),
            assignment_count=Count("assignments", distinct=True),
        )
        .prefetch_related("fields")
        .order_by("-period_start", "-id")
    )


def _round(request: Request, pk: int) -> Round:
    """The round if the user may see it (drafts: staff of its region only), else 404."""
    return get_object_or_404(sel.round_list_visible_to(user=_viewer(request)), pk=pk)


def _round_out(request: Request, pk: int) -> Any:
    row = get_object_or_404(_rounds(request), pk=pk)
    return s.RoundOutputSerializer(row, context={"request": request}).data


def _assignments(request: Request, round_: Round) -> QuerySet[Assignment]:
    return sel.assignment_list_visible_to(user=_viewer(request), round_=round_).select_related(
        "volunteer__expert", "enterprise__organization", "need"
    )


def _assignment(request: Request, pk: int, aid: int) -> Assignment:
    return get_object_or_404(_assignments(request, _round(request, pk)), pk=aid)


def _page(view: APIView, rows: Any, serializer: Any, request: Request) -> Response:
    paginator = view.pagination_class()  # type: ignore[attr-defined]
    page = paginator.paginate_queryset(rows, request, view=view)
    data = serializer(page, many=True, context={"request": request}).data
    return paginator.get_paginated_response(data)


def _mine_or_all(request: Request, round_: Round, rows: QuerySet[Any], mine: Any) -> Any:
    """Staff managing the round see every row; others only their own."""
    user = _viewer(request)
    if services.can_manage(user, round_):
        return rows
    if user is None:
        return rows.none()
    return rows.filter(**mine(user))


def _enterprises(request: Request, round_: Round) -> QuerySet[RoundEnterprise]:
    rows = round_.enterprises.select_related("organization").prefetch_related("needs", "excluded")
    return _mine_or_all(
        request,
        round_,
        rows,
        lambda user: {"organization": user.organization.pk if user.organization else 0},
    )


def _volunteers(request: Request, round_: Round) -> QuerySet[Volunteer]:
    rows = round_.volunteers.select_related("expert").prefetch_related("fields")
    return _mine_or_all(request, round_, rows, lambda user: {"expert__user": user})


class DispatchApi(APIView):
    permission_classes = [IsAuthenticated]


class PublicDispatchApi(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    pagination_class = Pagination


# ---------------------------------------------------------------------------------- rounds


class RoundListApi(PublicDispatchApi):
    """GET: rounds the user may see (drafts for staff of their region); POST: a draft (staff)."""

    @extend_schema(responses=s.RoundOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return _page(self, _rounds(request), s.RoundOutputSerializer, request)

    @extend_schema(request=s.RoundInputSerializer, responses={201: s.RoundOutputSerializer})
    def post(self, request: Request) -> Response:
        services.require_creator(_actor(request))  # 403 before any field error
        data = dict(valid_input(s.RoundInputSerializer, request))
        field_ids = data.pop("field_ids", [])
        round_ = services.round_create(user=_actor(request), data=data, field_ids=field_ids)
        return Response(_round_out(request, round_.pk), CREATED)


class RoundDetailApi(PublicDispatchApi):
    @extend_schema(responses=s.RoundOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(_round_out(request, pk))


@extend_schema(request=None, responses=s.RoundOutputSerializer)
class RoundOpenApi(DispatchApi):
    def post(self, request: Request, pk: int) -> Response:
        services.round_open(user=_actor(request), round_=_round(request, pk))
        return Response(_round_out(request, pk))


@extend_schema(request=None, responses=s.RoundOutputSerializer)
class RoundPublishApi(DispatchApi):
    """Publish the assignments (every rule checked again on what staff left)."""

    def post(self, request: Request, pk: int) -> Response:
        services.round_publish(user=_actor(request), round_=_round(request, pk))
        return Response(_round_out(request, pk))


@extend_schema(request=None, responses=s.SolutionSerializer)
class RoundSolveApi(DispatchApi):
    """Propose assignments; unserved enterprises with their reason (code and label)."""

    def post(self, request: Request, pk: int) -> Response:
        solution = services.round_solve(user=_actor(request), round_=_round(request, pk))
        return Response(s.SolutionSerializer(s.solution_data(solution)).data)


@extend_schema(responses=s.LedgerSerializer)
class RoundLedgerApi(DispatchApi):
    """工作台账 of the round: per expert, institute, field and district (staff managing it)."""

    def get(self, request: Request, pk: int) -> Response:
        round_ = _round(request, pk)
        services.require_manager(_actor(request), round_)
        book = sel.ledger(rounds=Round.objects.filter(pk=round_.pk))
        return Response(s.LedgerSerializer(s.ledger_data(book)).data)


# ----------------------------------------------------------------- enterprises, volunteers


class EnterpriseListApi(DispatchApi):
    """GET: the enterprises served (staff: all; an enterprise: its own row); POST: add
    enterprises (staff): the ones named, or with ``{}`` every enterprise of the region with an
    open need in the round's fields."""

    pagination_class = Pagination

    @extend_schema(responses=s.EnterpriseOutputSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        round_ = _round(request, pk)
        return _page(self, _enterprises(request, round_), s.EnterpriseOutputSerializer, request)

    @extend_schema(
        request=s.EnterprisesAddInputSerializer, responses={201: s.DispatchAddedSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        round_ = _round(request, pk)
        data = valid_input(s.EnterprisesAddInputSerializer, request)
        with errors_renamed({"organizations": "organization_ids"}):
            added = services.enterprises_add(
                user=_actor(request),
                round_=round_,
                organization_ids=data.get("organization_ids"),
            )
        return Response({"added": added}, CREATED)


@extend_schema(request=s.ExclusionsInputSerializer, responses=s.EnterpriseOutputSerializer)
class ExclusionsApi(DispatchApi):
    """The enterprise names the organisations it does not want experts from."""

    def post(self, request: Request, pk: int, eid: int) -> Response:
        round_ = _round(request, pk)
        row = get_object_or_404(round_.enterprises.all(), pk=eid)
        services.require_own_enterprise(_actor(request), row)
        data = valid_input(s.ExclusionsInputSerializer, request)
        with errors_renamed({"excluded": "organization_ids"}):
            services.exclusions_set(
                user=_actor(request),
                enterprise_id=row.pk,
                organization_ids=data["organization_ids"],
            )
        row = get_object_or_404(_enterprises(request, round_), pk=eid)
        return Response(s.EnterpriseOutputSerializer(row, context={"request": request}).data)


class VolunteerListApi(DispatchApi):
    """GET: the volunteers (staff: all; an expert: their own row); POST: the current user's
    published expert volunteers (again: their capacity, fields and districts are replaced)."""

    pagination_class = Pagination

    @extend_schema(responses=s.VolunteerOutputSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        round_ = _round(request, pk)
        return _page(self, _volunteers(request, round_), s.VolunteerOutputSerializer, request)

    @extend_schema(request=s.VolunteerInputSerializer, responses={201: s.VolunteerOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        round_ = _round(request, pk)
        data = valid_input(s.VolunteerInputSerializer, request)
        with errors_renamed({"fields": "field_ids"}):
            row = services.volunteer(
                user=_actor(request),
                round_=round_,
                capacity=data["capacity"],
                field_ids=data["field_ids"],
                districts=data["districts"],
            )
        row = Volunteer.objects.select_related("expert").prefetch_related("fields").get(pk=row.pk)
        return Response(
            s.VolunteerOutputSerializer(row, context={"request": request}).data, CREATED
        )


# ---------------------------------------------------------------------------- assignments


class AssignmentListApi(DispatchApi):
    """The assignments: staff managing the round see all; after publication, the expert
    their own and the enterprise its experts."""

    pagination_class = Pagination

    @extend_schema(responses=s.AssignmentOutputSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        rows = _assignments(request, _round(request, pk))
        return _page(self, rows, s.AssignmentOutputSerializer, request)


@extend_schema(request=s.DispatchPinInputSerializer, responses=s.AssignmentOutputSerializer)
class AssignmentPinApi(DispatchApi):
    """Staff assign an expert by hand (rules are checked on solving and publication)."""

    def post(self, request: Request, pk: int) -> Response:
        round_ = _round(request, pk)
        services.require_manager(_actor(request), round_)
        data = valid_input(s.DispatchPinInputSerializer, request)
        row = services.assignment_pin(
            user=_actor(request),
            round_=round_,
            enterprise_id=data["enterprise"],
            volunteer_id=data["volunteer"],
        )
        out = get_object_or_404(_assignments(request, round_), pk=row.pk)
        return Response(s.AssignmentOutputSerializer(out, context={"request": request}).data)


# ---------------------------------------------------------------------------------- visits


class VisitListApi(DispatchApi):
    """GET: the visits of an assignment the user sees; POST: the assigned expert logs one
    (JSON, or multipart form data with photos and reports under ``attachments``)."""

    pagination_class = Pagination
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses=s.VisitOutputSerializer(many=True))
    def get(self, request: Request, pk: int, aid: int) -> Response:
        row = _assignment(request, pk, aid)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(row.visits.all(), request, view=self)
        visits = sel.with_files(list(page or []))  # one query for every visit's files
        return paginator.get_paginated_response(s.VisitOutputSerializer(visits, many=True).data)

    @extend_schema(request=s.VisitInputSerializer, responses={201: s.VisitOutputSerializer})
    def post(self, request: Request, pk: int, aid: int) -> Response:
        row = _assignment(request, pk, aid)
        data = valid_input(s.VisitInputSerializer, request)
        visit = services.visit_log(user=_actor(request), assignment_id=row.pk, **data)
        return Response(s.VisitOutputSerializer(visit).data, CREATED)


def _visit(request: Request, vid: int) -> Visit:
    """The visit if the user may see it (its expert, the served enterprise, the round's
    staff), else 404: checked before the input, so outsiders learn nothing from field errors."""
    visit = get_object_or_404(
        Visit.objects.select_related("assignment__round", "assignment__enterprise"), pk=vid
    )
    if not sel.can_see_visit(_viewer(request), visit):
        raise Http404
    return visit


@extend_schema(request=s.VisitAttachInputSerializer, responses={201: s.VisitOutputSerializer})
class VisitAttachApi(DispatchApi):
    """The expert who logged a visit adds photos or reports (multipart form data, at most
    10 per visit, each checked by its content)."""

    parser_classes = [MultiPartParser, FormParser]

    def post(self, request: Request, vid: int) -> Response:
        visit = _visit(request, vid)
        data = valid_input(s.VisitAttachInputSerializer, request)
        services.visit_attach(user=_actor(request), visit_id=visit.pk, uploads=data["attachments"])
        return Response(s.VisitOutputSerializer(visit).data, CREATED)


@extend_schema(request=s.RateInputSerializer, responses=s.VisitOutputSerializer)
class VisitRateApi(DispatchApi):
    """The served enterprise confirms and rates a visit (1–5)."""

    def post(self, request: Request, vid: int) -> Response:
        visit = _visit(request, vid)
        data = valid_input(s.RateInputSerializer, request)
        visit = services.visit_rate(
            user=_actor(request),
            visit_id=visit.pk,
            rating=data["rating"],
            comment=data.get("comment", ""),
        )
        return Response(s.VisitOutputSerializer(visit).data)


@extend_schema(request=s.ProposeInputSerializer, responses=s.VisitOutputSerializer)
class VisitProposeApi(DispatchApi):
    """A visit proposes a cooperation: the need × the expert (or one of the expert's results)
    becomes a pair at 已联系 (the assigned expert or staff managing the round)."""

    def post(self, request: Request, vid: int) -> Response:
        visit = _visit(request, vid)
        data = valid_input(s.ProposeInputSerializer, request)
        visit = services.visit_propose(
            user=_actor(request),
            visit_id=visit.pk,
            need_id=data["need"],
            result_id=data.get("result"),
        )
        return Response(s.VisitOutputSerializer(visit).data)
