"""API of open challenge lists (揭榜挂帅) and innovation competitions (创新创业大赛) under
/api/challenges/: the programmes and their challenges (榜题). Entries and reviews are in
:mod:`portal.challenges.apis_entries`; reviewers, conflicts, objections and milestones in
:mod:`portal.challenges.apis_review`.

Thin views: find the programme the user may see (drafts: staff of its region only; 404
otherwise), check the input's types, call one service; the services check who may act (403)
and the rules (400; 409 when the state forbids it), each in one transaction. Lists come from
the selectors, scoped to who asks, a page at a time.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from portal.api import Pagination, errors_renamed, valid_input
from portal.challenges import awards, reviews, services
from portal.challenges import selectors as sel
from portal.challenges import serializers as s
from portal.challenges.models import Challenge, Programme
from portal.events.serializers import CountSerializer, PostingGate

CREATED = status.HTTP_201_CREATED
STATUS = OpenApiParameter("status", str, description="按状态筛选")
KIND = OpenApiParameter("kind", str, description="按类型筛选：challenge_list、competition")
# Service error keys → the names of this API's inputs.
PROGRAMME_FIELDS = {"criteria": "stages"}
CHALLENGE_FIELDS = {
    "need": "need_id",
    "fields": "field_ids",
    "description": "problem",
    "budget_max": "funding",
}


def _viewer(request: Request) -> User | None:
    return cast(User, request.user) if request.user.is_authenticated else None


def _actor(request: Request) -> User:
    return cast(User, request.user)


def _programme(request: Request, pk: int) -> Programme:
    """The programme if the user may see it (drafts: staff of its region only), else 404."""
    return get_object_or_404(sel.programme_list_visible_to(user=_viewer(request)), pk=pk)


def _challenge(programme: Programme, cid: int) -> Challenge:
    return get_object_or_404(programme.challenges.select_related("need"), pk=cid)


_valid = valid_input
_named = errors_renamed


def _context(request: Request, **extra: Any) -> dict[str, Any]:
    return {"request": request, "gate": PostingGate(_viewer(request)), **extra}


def _filtered(qs: QuerySet[Any], request: Request, name: str, choices: list[str]) -> QuerySet[Any]:
    wanted = request.query_params.get(name, "")
    return qs.filter(**{name: wanted}) if wanted in choices else qs


def _page(view: APIView, rows: Any, serializer: Any, ctx: dict[str, Any]) -> Response:
    paginator = view.pagination_class()  # type: ignore[attr-defined]
    page = paginator.paginate_queryset(rows, ctx["request"], view=view)
    return paginator.get_paginated_response(serializer(page, many=True, context=ctx).data)


def _out(request: Request, rows: QuerySet[Any], pk: int, serializer: Any, **extra: Any) -> Any:
    """One row, read again through the selector that scopes it to the viewer (404 if not)."""
    return serializer(get_object_or_404(rows, pk=pk), context=_context(request, **extra)).data


def _programme_out(request: Request, pk: int) -> Any:
    return s.ProgrammeDetailSerializer(_programme(request, pk), context=_context(request)).data


class ChallengeApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination


class PublicChallengeApi(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    pagination_class = Pagination


# ------------------------------------------------------------------------------ programmes


class ProgrammeListApi(PublicChallengeApi):
    """GET: the programmes the user may see (drafts for staff of their region); POST: a
    draft challenge list or competition with its groups and stages (staff)."""

    @extend_schema(parameters=[KIND, STATUS], responses=s.ProgrammeOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = sel.programme_list_visible_to(user=_viewer(request))
        rows = _filtered(rows, request, "kind", Programme.Kind.values)
        rows = _filtered(rows, request, "status", Programme.Status.values)
        return _page(self, rows, s.ProgrammeOutputSerializer, _context(request))

    @extend_schema(request=s.ProgrammeInputSerializer, responses={201: s.ProgrammeDetailSerializer})
    def post(self, request: Request) -> Response:
        services.require_creator(_actor(request))  # 403 before any field error
        data = dict(_valid(s.ProgrammeInputSerializer, request))
        kind, groups, stages = data.pop("kind"), data.pop("groups"), data.pop("stages", [])
        with _named(PROGRAMME_FIELDS):
            programme = services.programme_create(
                user=_actor(request), kind=kind, data=data, groups=groups, stages=stages
            )
        return Response(_programme_out(request, programme.pk), CREATED)


@extend_schema(responses=s.ProgrammeDetailSerializer)
class ProgrammeDetailApi(PublicChallengeApi):
    """The programme with its stages and criteria, groups, challenges and publicity window;
    from publicity on, the public result (selected and awarded entries, titles and units)."""

    def get(self, request: Request, pk: int) -> Response:
        return Response(_programme_out(request, pk))


@extend_schema(request=None, responses=s.ProgrammeDetailSerializer)
class ProgrammePublishApi(ChallengeApi):
    """Open the draft for bids or entries (staff; a challenge list needs a challenge)."""

    def post(self, request: Request, pk: int) -> Response:
        services.programme_publish(user=_actor(request), programme=_programme(request, pk))
        return Response(_programme_out(request, pk))


@extend_schema(request=None, responses=s.ProgrammeDetailSerializer)
class ProgrammePublicityApi(ChallengeApi):
    """Publish the result for the objection period in working days (staff, after review)."""

    def post(self, request: Request, pk: int) -> Response:
        awards.publicity_start(user=_actor(request), programme=_programme(request, pk))
        return Response(_programme_out(request, pk))


@extend_schema(request=None, responses=s.ProgrammeDetailSerializer)
class ProgrammeFinalizeApi(ChallengeApi):
    """After the publicity period with every objection handled: the awards (a challenge's
    award becomes a pair at 洽谈中 with its milestones)."""

    def post(self, request: Request, pk: int) -> Response:
        awards.programme_finalize(user=_actor(request), programme=_programme(request, pk))
        return Response(_programme_out(request, pk))


@extend_schema(responses=s.ProgrammeStatsSerializer)
class ProgrammeStatsApi(PublicChallengeApi):
    """Figures (counts and amounts only, no organisation names) for whoever sees it."""

    def get(self, request: Request, pk: int) -> Response:
        stats = sel.programme_stats(programme=_programme(request, pk))
        return Response(s.ProgrammeStatsSerializer(stats).data)


# ------------------------------------------------------------------------------ challenges


class ChallengeListApi(PublicChallengeApi):
    """GET: the challenges (榜题) of a challenge list; POST: add one (staff), from a published
    need, or written here in technology fields (it then enters the need register)."""

    @extend_schema(responses=s.ChallengeItemSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        rows = _programme(request, pk).challenges.select_related("need")
        return _page(self, rows, s.ChallengeItemSerializer, _context(request))

    @extend_schema(request=s.ChallengeInputSerializer, responses={201: s.ChallengeItemSerializer})
    def post(self, request: Request, pk: int) -> Response:
        programme = _programme(request, pk)
        data = dict(_valid(s.ChallengeInputSerializer, request))
        need, fields = data.pop("need_id", None), data.pop("field_ids", [])
        with _named(CHALLENGE_FIELDS):
            challenge = services.challenge_add(
                user=_actor(request),
                programme=programme,
                data=data,
                need_id=need,
                field_ids=[field.pk for field in fields],
            )
        return Response(
            _out(request, programme.challenges.all(), challenge.pk, s.ChallengeItemSerializer),
            CREATED,
        )


@extend_schema(request=s.InviteInputSerializer, responses=CountSerializer)
class ChallengeInviteApi(ChallengeApi):
    """Invite the teams behind recommended results and experts to bid (staff); the count of
    people told."""

    def post(self, request: Request, pk: int, cid: int) -> Response:
        challenge = _challenge(_programme(request, pk), cid)
        data = _valid(s.InviteInputSerializer, request)
        count = services.challenge_invite(user=_actor(request), challenge=challenge, **data)
        return Response({"count": count})


@extend_schema(request=s.SelectInputSerializer, responses=s.ChallengeItemSerializer)
class ChallengeSelectApi(ChallengeApi):
    """Select the winning bid of a challenge, or none (entry null), with a reason (staff,
    after the deadline; before every assigned review is in only with an override reason)."""

    def post(self, request: Request, pk: int, cid: int) -> Response:
        programme = _programme(request, pk)
        challenge = _challenge(programme, cid)
        services.require_manager(_actor(request), programme)  # 403 before any field error
        data = _valid(s.SelectInputSerializer, request)
        reviews.winner_select(
            user=_actor(request),
            challenge=challenge,
            entry_id=data["entry"],
            reason=data["reason"],
            override_reason=data["override_reason"],
        )
        return Response(_out(request, programme.challenges.all(), cid, s.ChallengeItemSerializer))
