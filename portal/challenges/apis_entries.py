"""Entries in the challenge API: bids (揭榜) and competition entries with their consortium,
confirmation, withdrawal, reviews, the signed contract and follow-up. Each entry is found
through :func:`portal.challenges.selectors.entry_list_visible_to`: bidders see their own,
reviewers the ones assigned to them, staff all (404 for the rest)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from portal.challenges import awards, entries, reviews
from portal.challenges import selectors as sel
from portal.challenges import serializers_entries as se
from portal.challenges.apis import (
    CREATED,
    STATUS,
    ChallengeApi,
    PublicChallengeApi,
    _actor,
    _context,
    _filtered,
    _out,
    _page,
    _programme,
    _valid,
    _viewer,
)
from portal.challenges.models import Entry, Programme
from portal.challenges.services import require_manager

CHALLENGE = OpenApiParameter("challenge", int, description="按榜题编号筛选")


def _entries(request: Request, programme: Programme) -> QuerySet[Entry]:
    rows = sel.entry_list_visible_to(user=_viewer(request), programme=programme)
    return rows.select_related("programme").prefetch_related("members__organization")


def _entry(request: Request, pk: int, eid: int) -> tuple[QuerySet[Entry], Entry]:
    rows = _entries(request, _programme(request, pk))
    return rows, get_object_or_404(rows, pk=eid)


def _entry_out(request: Request, pk: int, eid: int) -> Any:
    return _out(request, _entries(request, _programme(request, pk)), eid, se.EntryOutputSerializer)


class EntryListApi(PublicChallengeApi):
    """GET: the entries the user may see (their units' own; assigned reviewers theirs; staff
    all; anyone the public result from publicity on); POST: bid for a challenge, or enter a
    competition group, as the lead of one's unit, alone or as a consortium."""

    @extend_schema(parameters=[CHALLENGE, STATUS], responses=se.EntryOutputSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        rows = _entries(request, _programme(request, pk))
        rows = _filtered(rows, request, "status", Entry.Status.values)
        challenge = request.query_params.get("challenge", "")
        if challenge.isdigit() and len(challenge) < 10:
            rows = rows.filter(challenge_id=int(challenge))
        return _page(self, rows, se.EntryOutputSerializer, _context(request))

    @extend_schema(request=se.EntryInputSerializer, responses={201: se.EntryOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        programme = _programme(request, pk)
        data = dict(_valid(se.EntryInputSerializer, request))
        entry = entries.entry_submit(
            user=_actor(request),
            programme=programme,
            challenge_id=data.pop("challenge", None),
            group_id=data.pop("group", None),
            members=data.pop("members", ()),
            result_id=data.pop("result", None),
            expert_id=data.pop("expert", None),
            data=data,
        )
        return Response(_entry_out(request, pk, entry.pk), CREATED)


class EntryDetailApi(PublicChallengeApi):
    """GET: one entry the user may see; PATCH: the lead edits it until the deadline (a
    changed consortium confirms again)."""

    @extend_schema(responses=se.EntryOutputSerializer)
    def get(self, request: Request, pk: int, eid: int) -> Response:
        return Response(_entry_out(request, pk, eid))

    @extend_schema(request=se.EntryUpdateInputSerializer, responses=se.EntryOutputSerializer)
    def patch(self, request: Request, pk: int, eid: int) -> Response:
        _rows, entry = _entry(request, pk, eid)
        data = dict(_valid(se.EntryUpdateInputSerializer, request))
        entries.entry_update(
            user=_actor(request),
            entry_id=entry.pk,
            members=data.pop("members", None),
            result_id=data.pop("result", None),
            expert_id=data.pop("expert", None),
            data=data,
        )
        return Response(_entry_out(request, pk, eid))


class _EntryActionApi(ChallengeApi):
    """POST an action on one entry the user may see (404 if not); the answer is the entry,
    read again."""

    def act(self, request: Request, entry: Entry) -> None:
        raise NotImplementedError

    def post(self, request: Request, pk: int, eid: int) -> Response:
        _rows, entry = _entry(request, pk, eid)
        self.act(request, entry)
        return Response(_entry_out(request, pk, eid))


@extend_schema(request=None, responses=se.EntryOutputSerializer)
class EntryConfirmApi(_EntryActionApi):
    """A consortium member confirms; the bid counts once every member has."""

    def act(self, request: Request, entry: Entry) -> None:
        entries.member_confirm(user=_actor(request), entry_id=entry.pk)


@extend_schema(request=None, responses=se.EntryOutputSerializer)
class EntryWithdrawApi(_EntryActionApi):
    def act(self, request: Request, entry: Entry) -> None:
        entries.entry_withdraw(user=_actor(request), entry_id=entry.pk)


@extend_schema(request=se.SignInputSerializer, responses=se.EntryOutputSerializer)
class EntrySignApi(_EntryActionApi):
    """The awarded bid's contract is signed (staff): its pair moves to 已签约."""

    def act(self, request: Request, entry: Entry) -> None:
        require_manager(_actor(request), entry.programme)  # 403 before any field error
        data = _valid(se.SignInputSerializer, request)
        awards.award_sign(user=_actor(request), entry_id=entry.pk, **data)


@extend_schema(request=se.FollowUpInputSerializer, responses=se.EntryOutputSerializer)
class EntryFollowUpApi(_EntryActionApi):
    """Flag a winner for follow-up service on a date (staff)."""

    def act(self, request: Request, entry: Entry) -> None:
        require_manager(_actor(request), entry.programme)  # 403 before any field error
        due = _valid(se.FollowUpInputSerializer, request)["due"]
        awards.follow_up_flag(user=_actor(request), entry_id=entry.pk, due=due)


class EntryReviewListApi(ChallengeApi):
    """GET: the entry's submitted reviews the user may see (staff all; a reviewer the others'
    only after submitting their own); POST: the current user's review (an assigned reviewer
    without a conflict), one score per criterion; submitting again replaces it."""

    @extend_schema(responses=se.EntryReviewSerializer(many=True))
    def get(self, request: Request, pk: int, eid: int) -> Response:
        _rows, entry = _entry(request, pk, eid)
        rows = reviews.reviews_visible_to(user=_actor(request), entry=entry)
        return _page(self, rows, se.EntryReviewSerializer, _context(request, entry=entry))

    @extend_schema(request=se.ReviewInputSerializer, responses={201: se.EntryReviewSerializer})
    def post(self, request: Request, pk: int, eid: int) -> Response:
        _rows, entry = _entry(request, pk, eid)
        data = _valid(se.ReviewInputSerializer, request)
        review = reviews.review_submit(user=_actor(request), entry_id=entry.pk, **data)
        ctx = _context(request, entry=entry)
        return Response(se.EntryReviewSerializer(review, context=ctx).data, CREATED)
