"""Review and delivery in the challenge API: reviewers assigned to a stage (refused, with the
reasons, on a conflict of interest), declared conflicts, closing a competition stage,
objections during publicity (公示异议) and the awards' milestones (任务书, 中期检查, 验收)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from portal.challenges import awards, reviews, services
from portal.challenges import selectors as sel
from portal.challenges import serializers_entries as se
from portal.challenges.apis import (
    CREATED,
    ChallengeApi,
    _actor,
    _context,
    _named,
    _out,
    _page,
    _programme,
    _valid,
)
from portal.challenges.models import Milestone, Objection, Programme, Reviewer, Stage


def _stage(request: Request, pk: int, sid: int) -> Stage:
    return get_object_or_404(_programme(request, pk).stages.select_related("programme"), pk=sid)


def _reviewers(request: Request, stage: Stage) -> QuerySet[Reviewer]:
    """Staff see every reviewer of the stage; anyone else only their own assignments."""
    if services.can_manage(_actor(request), stage.programme):
        rows = stage.reviewers.all()
    else:
        rows = sel.assignments_of(user=_actor(request)).filter(stage=stage)
    return rows.select_related("challenge", "user", "expert").order_by("id")


def _objections(request: Request, programme: Programme) -> QuerySet[Objection]:
    """Staff see every objection; anyone else the ones they filed."""
    rows = programme.objections.select_related("entry", "filed_by", "programme")
    if not services.can_manage(_actor(request), programme):
        rows = rows.filter(filed_by=_actor(request))
    return rows.order_by("created_at", "id")


def _milestones(request: Request, programme: Programme) -> QuerySet[Milestone]:
    """Staff see every milestone; the units of an award theirs."""
    rows = Milestone.objects.filter(entry__programme=programme)
    if not services.can_manage(_actor(request), programme):
        rows = rows.filter(entry__in=sel.my_entries(user=_actor(request)))
    return rows.select_related("entry").order_by("entry", "due_date", "id")


# ------------------------------------------------------------------------------- reviewers


class StageReviewerListApi(ChallengeApi):
    """GET: the stage's reviewers (staff; others see their own assignment); POST: assign a
    user or an expert with an account to a challenge (challenge lists) or the whole stage
    (competitions). A conflict of interest is refused with the reasons under ``reviewer``."""

    @extend_schema(responses=se.StageReviewerSerializer(many=True))
    def get(self, request: Request, pk: int, sid: int) -> Response:
        rows = _reviewers(request, _stage(request, pk, sid))
        return _page(self, rows, se.StageReviewerSerializer, _context(request))

    @extend_schema(request=se.ReviewerInputSerializer, responses={201: se.StageReviewerSerializer})
    def post(self, request: Request, pk: int, sid: int) -> Response:
        stage = _stage(request, pk, sid)
        data = _valid(se.ReviewerInputSerializer, request)
        reviewer = reviews.reviewer_assign(
            user=_actor(request),
            stage=stage,
            reviewer_id=data.get("reviewer"),
            expert_id=data.get("expert"),
            challenge_id=data.get("challenge"),
        )
        rows = _reviewers(request, stage)
        return Response(_out(request, rows, reviewer.pk, se.StageReviewerSerializer), CREATED)


@extend_schema(request=se.StageCloseInputSerializer, responses=se.StageCloseSerializer)
class StageCloseApi(ChallengeApi):
    """Close a competition stage (staff): its cut moves the best entries of each group on
    (or, after the last stage, makes them the winners); the ids of those kept."""

    def post(self, request: Request, pk: int, sid: int) -> Response:
        stage = _stage(request, pk, sid)
        data = _valid(se.StageCloseInputSerializer, request)
        kept = reviews.stage_close(user=_actor(request), stage=stage, **data)
        stage = _stage(request, pk, sid)
        return Response(
            se.StageCloseSerializer({"stage": stage, "kept": [e.pk for e in kept]}).data
        )


@extend_schema(request=se.ConflictInputSerializer, responses={201: se.ConflictOutputSerializer})
class ConflictDeclareApi(ChallengeApi):
    """Declare one's own conflict of interest with an organisation (回避): no assignment to
    review its entries is possible afterwards."""

    def post(self, request: Request) -> Response:
        data = _valid(se.ConflictInputSerializer, request)
        conflict = reviews.conflict_declare(
            user=_actor(request), organization_id=data["organization"], reason=data["reason"]
        )
        return Response(se.ConflictOutputSerializer(conflict).data, CREATED)


# ------------------------------------------------------------------------------ objections


class ObjectionListApi(ChallengeApi):
    """GET: objections (staff all; others their own); POST: object during the publicity
    period, with grounds, to the result or one selected entry."""

    @extend_schema(responses=se.ObjectionOutputSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        rows = _objections(request, _programme(request, pk))
        return _page(self, rows, se.ObjectionOutputSerializer, _context(request))

    @extend_schema(
        request=se.ObjectionInputSerializer, responses={201: se.ObjectionOutputSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        programme = _programme(request, pk)
        data = _valid(se.ObjectionInputSerializer, request)
        objection = awards.objection_file(
            user=_actor(request),
            programme=programme,
            grounds=data["grounds"],
            entry_id=data.get("entry"),
        )
        rows = _objections(request, programme)
        return Response(_out(request, rows, objection.pk, se.ObjectionOutputSerializer), CREATED)


@extend_schema(request=se.ObjectionHandleInputSerializer, responses=se.ObjectionOutputSerializer)
class ObjectionHandleApi(ChallengeApi):
    """Record how an objection was handled (staff); an upheld one takes its entry out."""

    def post(self, request: Request, pk: int, oid: int) -> Response:
        programme = _programme(request, pk)
        objection = get_object_or_404(_objections(request, programme), pk=oid)
        data = _valid(se.ObjectionHandleInputSerializer, request)
        awards.objection_handle(
            user=_actor(request),
            objection_id=objection.pk,
            handling=data["handling"],
            note=data["handling_note"],
        )
        rows = _objections(request, programme)
        return Response(_out(request, rows, oid, se.ObjectionOutputSerializer))


# ------------------------------------------------------------------------------ milestones


class MilestoneListApi(ChallengeApi):
    """The awards' milestones (staff all; the units of an award theirs)."""

    @extend_schema(responses=se.MilestoneOutputSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        rows = _milestones(request, _programme(request, pk))
        return _page(self, rows, se.MilestoneOutputSerializer, _context(request))


@extend_schema(
    request={
        "multipart/form-data": se.MilestoneCompleteInputSerializer,
        "application/json": se.MilestoneCompleteInputSerializer,
    },
    responses=se.MilestoneOutputSerializer,
)
class MilestoneCompleteApi(ChallengeApi):
    """Record a milestone as done (the lead unit or staff), with an optional document
    (multipart form data; PDF, image or Office file, checked by its content) or as JSON
    without one."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def post(self, request: Request, pk: int, mid: int) -> Response:
        programme = _programme(request, pk)
        milestone = get_object_or_404(_milestones(request, programme), pk=mid)
        data: dict[str, Any] = dict(_valid(se.MilestoneCompleteInputSerializer, request))
        with _named({"attachment": "document"}):
            awards.milestone_complete(user=_actor(request), milestone_id=milestone.pk, **data)
        rows = _milestones(request, programme)
        return Response(_out(request, rows, mid, se.MilestoneOutputSerializer))
