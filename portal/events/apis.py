"""API of the matchmaking events (对接会) under /api/events/.

Thin views: find the event the user may see (404 otherwise), check the input's types, call
one service; the services check who may act (403) and the rules (400, 409 on conflicts),
each in one transaction. Lists come from the selectors, scoped to who asks, a page at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.db.models import QuerySet, prefetch_related_objects
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from portal.api import Pagination, errors_renamed, valid_input
from portal.events import registrations, services
from portal.events import selectors as sel
from portal.events import serializers as s
from portal.events.models import Event, MeetingRequest, Registration, venue_order

# Service error keys → the names of this API's inputs.
REGISTRATION_FIELDS = {
    "needs": "need_ids",
    "results": "result_ids",
    "experts": "expert_ids",
    "available_slots": "slot_ids",
}
PAIR_FIELDS = {"need": "need_id", "result": "result_id", "expert": "expert_id"}
STATUS = OpenApiParameter("status", str, description="按状态筛选")
CREATED = status.HTTP_201_CREATED


def _viewer(request: Request) -> User | None:
    return cast(User, request.user) if request.user.is_authenticated else None


def _actor(request: Request) -> User:
    return cast(User, request.user)


def _event(request: Request, pk: int) -> Event:
    """The event if the user may see it (drafts: staff of its region only), else 404."""
    events = sel.event_list_visible_to(user=_viewer(request)).select_related("alliance")
    return get_object_or_404(events, pk=pk)


_valid = valid_input
_named = errors_renamed


def _context(request: Request, event: Event) -> dict[str, Any]:
    user = _viewer(request)
    mine = sel.my_registration(event=event, user=user)
    insider = services.can_manage(user, event) or (mine is not None and mine.is_approved)
    gate = s.PostingGate(user)
    return {"request": request, "event": event, "mine": mine, "insider": insider, "gate": gate}


def _filtered(qs: QuerySet[Any], request: Request, choices: list[str]) -> QuerySet[Any]:
    wanted = request.query_params.get("status", "")
    return qs.filter(status=wanted) if wanted in choices else qs


def _page(view: APIView, rows: Any, serializer: Any, ctx: dict[str, Any]) -> Response:
    request = ctx["request"]
    paginator = view.pagination_class()  # type: ignore[attr-defined]
    page = paginator.paginate_queryset(rows, request, view=view)
    if "gate" in ctx:
        ctx["gate"].load(s.postings_of(page))
    return paginator.get_paginated_response(serializer(page, many=True, context=ctx).data)


def _out(request: Request, event: Event, rows: Any, pk: int, serializer: Any) -> Any:
    """One row, read again through the selector that scopes it to the viewer (404 if not)."""
    row = get_object_or_404(rows, pk=pk)
    return serializer(row, context=_context(request, event)).data


def _event_out(request: Request, pk: int) -> Any:
    event = _event(request, pk)
    return s.EventDetailSerializer(event, context=_context(request, event)).data


def _registrations(request: Request, event: Event) -> QuerySet[Registration]:
    regs = sel.registration_list_for(event=event, user=_viewer(request))
    return regs.select_related("event").prefetch_related("available_slots")


def _requests(request: Request, event: Event) -> QuerySet[MeetingRequest]:
    return sel.request_list_for(event=event, user=_viewer(request))


def _meetings(request: Request, event: Event) -> QuerySet[Any]:
    return sel.meeting_list_for(event=event, user=_viewer(request))


class EventApi(APIView):
    permission_classes = [IsAuthenticated]


class PublicEventApi(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    pagination_class = Pagination


class _RowApi(EventApi):
    """POST an action on one registration, request or meeting the viewer may see (404 if
    not); the answer is that row, read again."""

    rows: Callable[[Request, Event], QuerySet[Any]]
    output: type[serializers.Serializer]

    def act(self, request: Request, row: Any) -> None:
        raise NotImplementedError

    def post(self, request: Request, pk: int, **row: int) -> Response:
        event = _event(request, pk)
        (row_pk,) = row.values()
        self.act(request, get_object_or_404(self.rows(request, event), pk=row_pk))
        return Response(_out(request, event, self.rows(request, event), row_pk, self.output))


# ---------------------------------------------------------------------------------- events


class EventListApi(PublicEventApi):
    """GET: events the user may see (drafts for staff of their region); POST: a draft (staff)."""

    @extend_schema(parameters=[STATUS], responses=s.EventOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        events = sel.event_list_visible_to(user=_viewer(request)).select_related("alliance")
        events = _filtered(events, request, Event.Status.values)
        return _page(self, events, s.EventOutputSerializer, {"request": request})

    @extend_schema(request=s.EventInputSerializer, responses={201: s.EventDetailSerializer})
    def post(self, request: Request) -> Response:
        services.require_creator(_actor(request))  # 403 before any field error
        data = dict(_valid(s.EventInputSerializer, request))
        field_ids = [f.pk for f in data.pop("fields", [])]
        event = services.event_create(user=_actor(request), data=data, field_ids=field_ids)
        return Response(_event_out(request, event.pk), CREATED)


class EventDetailApi(PublicEventApi):
    """GET: the event with its venues, slots and fields; PATCH: change it (staff)."""

    @extend_schema(responses=s.EventDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(_event_out(request, pk))

    @extend_schema(request=s.EventInputSerializer(partial=True), responses=s.EventDetailSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        data = dict(_valid(s.EventInputSerializer, request, partial=True))
        fields = data.pop("fields", None)
        field_ids = None if fields is None else [f.pk for f in fields]
        services.event_update(user=_actor(request), event=event, data=data, field_ids=field_ids)
        return Response(_event_out(request, pk))


@extend_schema(request=None, responses=s.EventDetailSerializer)
class EventPublishApi(EventApi):
    def post(self, request: Request, pk: int) -> Response:
        services.event_publish(user=_actor(request), event=_event(request, pk))
        return Response(_event_out(request, pk))


@extend_schema(request=s.ReasonInputSerializer, responses=s.EventDetailSerializer)
class EventCancelApi(EventApi):
    """Cancel with a reason; every registrant is told."""

    def post(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        reason = _valid(s.ReasonInputSerializer, request)["reason"]
        services.event_cancel(user=_actor(request), event=event, reason=reason)
        return Response(_event_out(request, pk))


@extend_schema(responses=s.EventStatsSerializer)
class EventStatsApi(PublicEventApi):
    """Programme figures (counts only, no organisation names) for whoever sees the event."""

    def get(self, request: Request, pk: int) -> Response:
        return Response(s.EventStatsSerializer(sel.event_stats(event=_event(request, pk))).data)


# ---------------------------------------------------------------------------------- venues


class VenueListApi(PublicEventApi):
    @extend_schema(responses=s.EventVenueSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        venues = event.venues.order_by(venue_order(), "id")
        return _page(self, venues, s.EventVenueSerializer, _context(request, event))

    @extend_schema(request=s.VenueInputSerializer, responses={201: s.EventVenueSerializer})
    def post(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        services.require_manager(_actor(request), event)  # 403 before any field error
        data = _valid(s.VenueInputSerializer, request)
        venue = services.venue_save(user=_actor(request), event=event, data=data)
        return Response(
            _out(request, event, event.venues, venue.pk, s.EventVenueSerializer), CREATED
        )


class VenueDetailApi(EventApi):
    @extend_schema(request=s.VenueInputSerializer(partial=True), responses=s.EventVenueSerializer)
    def patch(self, request: Request, pk: int, venue_pk: int) -> Response:
        event = _event(request, pk)
        venue = get_object_or_404(event.venues, pk=venue_pk)
        data = _valid(s.VenueInputSerializer, request, partial=True)
        services.venue_save(user=_actor(request), event=event, data=data, venue=venue)
        return Response(_out(request, event, event.venues, venue_pk, s.EventVenueSerializer))

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: int, venue_pk: int) -> Response:
        venue = get_object_or_404(_event(request, pk).venues, pk=venue_pk)
        services.venue_delete(user=_actor(request), venue=venue)
        return Response(status=status.HTTP_204_NO_CONTENT)


# -------------------------------------------------------------------------------- postings


class EventPostingListApi(PublicEventApi):
    """GET: the needs and results the event publishes that the user may see, grouped by
    first field, in roadshow order; POST: attach by ids; DELETE ?ids=1,2: detach (staff)."""

    @extend_schema(responses=s.EventPostingSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        groups = sel.event_postings_visible(event=event, user=_viewer(request))
        rows = [(group, row) for group, members in groups.items() for row in members]
        prefetch_related_objects(
            [row for _g, row in rows], "need__organization", "result__organization"
        )
        ctx = {"request": request, "gate": s.PostingGate(_viewer(request))}
        return _page(self, rows, s.EventPostingSerializer, ctx)

    @extend_schema(request=s.PostingsAttachInputSerializer, responses={201: s.CountSerializer})
    def post(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        data = _valid(s.PostingsAttachInputSerializer, request)
        count = services.postings_attach(user=_actor(request), event=event, **data)
        return Response({"count": count}, CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("ids", str, description="逗号分隔的活动发布项目编号")],
        request=None,
        responses={200: s.CountSerializer},
    )
    def delete(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        services.require_manager(_actor(request), event)  # 403 before any field error
        raw = request.query_params.get("ids")
        body = request.data if raw is None else {"ids": [i for i in raw.split(",") if i.strip()]}
        data = s.IdsInputSerializer(data=body)
        data.is_valid(raise_exception=True)
        ids = data.validated_data["ids"]
        return Response(
            {"count": services.postings_detach(user=_actor(request), event=event, ids=ids)}
        )


@extend_schema(request=s.RoadshowOrderInputSerializer, responses=s.CountSerializer)
class RoadshowOrderApi(EventApi):
    """The listed event postings in this order; the rest after them, unordered."""

    def post(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        services.require_manager(_actor(request), event)
        order = _valid(s.RoadshowOrderInputSerializer, request)["order"]
        count = services.roadshow_order_set(user=_actor(request), event=event, ordered_ids=order)
        return Response({"count": count})


@extend_schema(
    request={"multipart/form-data": s.PostingsImportInputSerializer},
    responses={200: s.ImportReportSerializer, 400: s.ImportReportSerializer},
)
class PostingImportApi(EventApi):
    """New needs or results from a spreadsheet, joined to the event (the whole file or
    nothing): 200 with the report, or 400 with the same report listing the bad rows."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def post(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        services.require_manager(_actor(request), event)
        data = _valid(s.PostingsImportInputSerializer, request)
        upload, user = data["file"], _actor(request)
        report = services.postings_import(
            user=user, event=event, kind=data["kind"], name=upload.name, content=upload.read()
        )
        code = status.HTTP_200_OK if report.ok else status.HTTP_400_BAD_REQUEST
        return Response(s.ImportReportSerializer(report).data, code)


# --------------------------------------------------------------------------- registrations


class RegistrationListApi(EventApi):
    """GET: staff see every registration, participants the approved ones and their own;
    POST: register one's own organisation."""

    pagination_class = Pagination

    @extend_schema(parameters=[STATUS], responses=s.RegistrationOutputSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        regs = _filtered(_registrations(request, event), request, Registration.Status.values)
        return _page(self, regs, s.RegistrationOutputSerializer, _context(request, event))

    @extend_schema(
        request=s.RegistrationInputSerializer, responses={201: s.RegistrationOutputSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        data = _valid(s.RegistrationInputSerializer, request)
        with _named(REGISTRATION_FIELDS):
            reg = registrations.registration_create(user=_actor(request), event=event, **data)
        regs = _registrations(request, event)
        return Response(_out(request, event, regs, reg.pk, s.RegistrationOutputSerializer), CREATED)


class _RegistrationApi(_RowApi):
    rows, output = staticmethod(_registrations), s.RegistrationOutputSerializer


@extend_schema(
    request=s.RegistrationUpdateInputSerializer, responses=s.RegistrationOutputSerializer
)
class RegistrationDetailApi(_RegistrationApi):
    """PATCH: availability (slot_ids) and meeting cap, by the registrant or staff."""

    def act(self, request: Request, reg: Registration) -> None:
        data = _valid(s.RegistrationUpdateInputSerializer, request)
        with _named(REGISTRATION_FIELDS):
            registrations.registration_update(user=_actor(request), registration=reg, **data)

    http_method_names = ["patch", "options"]
    patch = _RowApi.post


@extend_schema(request=None, responses=s.RegistrationOutputSerializer)
class RegistrationApproveApi(_RegistrationApi):
    def act(self, request: Request, reg: Registration) -> None:
        registrations.registration_decide(user=_actor(request), registration=reg, approve=True)


@extend_schema(request=s.ReasonInputSerializer, responses=s.RegistrationOutputSerializer)
class RegistrationRejectApi(_RegistrationApi):
    def act(self, request: Request, reg: Registration) -> None:
        reason = _valid(s.ReasonInputSerializer, request)["reason"]
        registrations.registration_decide(
            user=_actor(request), registration=reg, approve=False, reason=reason
        )


@extend_schema(request=None, responses=s.RegistrationOutputSerializer)
class RegistrationCancelApi(_RegistrationApi):
    def act(self, request: Request, reg: Registration) -> None:
        registrations.registration_cancel(user=_actor(request), registration=reg)
