"""The 1:1 meetings of an event in the API: requests, proposals, the schedule, pinning and
outcomes (the event, venue, posting and registration endpoints are in :mod:`portal.events.apis`)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api import Pagination
from portal.events import outcomes, requests, schedule, services
from portal.events import selectors as sel
from portal.events import serializers as s
from portal.events import serializers_meetings as sm
from portal.events.apis import (
    CREATED,
    PAIR_FIELDS,
    STATUS,
    EventApi,
    _actor,
    _context,
    _event,
    _filtered,
    _meetings,
    _named,
    _out,
    _page,
    _requests,
    _RowApi,
    _valid,
    _viewer,
)
from portal.events.models import Meeting, MeetingRequest

# ------------------------------------------------------------------------ meeting requests


class MeetingRequestListApi(EventApi):
    """GET: the requests the user's organisation sent or received (staff: all, engine
    proposals included); POST: ask an approved participant for a 1:1 meeting."""

    pagination_class = Pagination

    @extend_schema(parameters=[STATUS], responses=sm.MeetingRequestOutputSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        reqs = _filtered(_requests(request, event), request, MeetingRequest.Status.values)
        return _page(self, reqs, sm.MeetingRequestOutputSerializer, _context(request, event))

    @extend_schema(
        request=sm.MeetingRequestInputSerializer, responses={201: sm.MeetingRequestOutputSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        data = _valid(sm.MeetingRequestInputSerializer, request)
        with _named(PAIR_FIELDS):
            req = requests.meeting_request_create(user=_actor(request), event=event, **data)
        reqs = _requests(request, event)
        return Response(
            _out(request, event, reqs, req.pk, sm.MeetingRequestOutputSerializer), CREATED
        )


class _RequestApi(_RowApi):
    rows, output = staticmethod(_requests), sm.MeetingRequestOutputSerializer


@extend_schema(request=None, responses=sm.MeetingRequestOutputSerializer)
class MeetingRequestAcceptApi(_RequestApi):
    def act(self, request: Request, req: MeetingRequest) -> None:
        requests.meeting_request_respond(user=_actor(request), request_id=req.pk, accept=True)


@extend_schema(request=s.ReasonInputSerializer, responses=sm.MeetingRequestOutputSerializer)
class MeetingRequestDeclineApi(_RequestApi):
    def act(self, request: Request, req: MeetingRequest) -> None:
        reason = _valid(s.ReasonInputSerializer, request)["reason"]
        requests.meeting_request_respond(
            user=_actor(request), request_id=req.pk, accept=False, reason=reason
        )


@extend_schema(request=None, responses=sm.MeetingRequestOutputSerializer)
class MeetingRequestCancelApi(_RequestApi):
    def act(self, request: Request, req: MeetingRequest) -> None:
        requests.meeting_request_cancel(user=_actor(request), request_id=req.pk)


@extend_schema(request=sm.PinInputSerializer, responses=sm.MeetingRequestOutputSerializer)
class MeetingRequestPinApi(_RequestApi):
    """Staff put an accepted request at a slot and table; re-solving keeps it there."""

    def act(self, request: Request, req: MeetingRequest) -> None:
        data = _valid(sm.PinInputSerializer, request)
        schedule.meeting_pin(user=_actor(request), request_id=req.pk, **data)


@extend_schema(request=None, responses=s.CountSerializer)
class MeetingProposeApi(EventApi):
    """The engine proposes meetings from the pairs among approved registrants (staff)."""

    def post(self, request: Request, pk: int) -> Response:
        count = requests.meetings_propose(user=_actor(request), event=_event(request, pk))
        return Response({"count": count})


@extend_schema(request=s.IdsInputSerializer, responses=s.CountSerializer)
class ProposalsAcceptApi(EventApi):
    """Staff send engine proposals on to the need side (ids of proposed requests)."""

    def post(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        services.require_manager(_actor(request), event)  # 403 before any field error
        ids = _valid(s.IdsInputSerializer, request)["ids"]
        count = requests.proposals_accept(user=_actor(request), event=event, request_ids=ids)
        return Response({"count": count})


# -------------------------------------------------------------------------------- schedule


class SchedulePagination(Pagination):
    """The schedule's pages carry the last solve beside them (staff; null for others)."""

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        run = {"$ref": "#/components/schemas/ScheduleRun"}
        paginated["properties"]["run"] = {"allOf": [run], "nullable": True}
        paginated["required"] = [*paginated.get("required", []), "run"]
        return paginated


class ScheduleApi(EventApi):
    """The meetings the user may see (their own; staff: all) in time order."""

    pagination_class = SchedulePagination

    @extend_schema(responses=sm.MeetingOutputSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        event = _event(request, pk)
        rows = _meetings(request, event).order_by(
            "slot__starts_at", "venue__kind", "venue_id", "table"
        )
        response = _page(self, rows, sm.MeetingOutputSerializer, _context(request, event))
        run = sel.last_run(event=event) if services.can_manage(_viewer(request), event) else None
        response.data["run"] = None if run is None else sm.ScheduleRunSerializer(run).data
        return response


@extend_schema(request=None, responses=sm.ScheduleRunSerializer)
class ScheduleSolveApi(EventApi):
    """Place every accepted request that fits (pinned ones stay); the report says why each
    of the rest did not fit."""

    def post(self, request: Request, pk: int) -> Response:
        report = schedule.schedule_solve(user=_actor(request), event=_event(request, pk))
        return Response(sm.ScheduleRunSerializer(report.run).data)


@extend_schema(request=None, responses=sm.SchedulePublishSerializer)
class SchedulePublishApi(EventApi):
    """Tell every approved participant their agenda is ready."""

    def post(self, request: Request, pk: int) -> Response:
        told = schedule.schedule_publish(user=_actor(request), event=_event(request, pk))
        at = _event(request, pk).schedule_published_at
        return Response({"notified": told, "schedule_published_at": at})


class _MeetingApi(_RowApi):
    rows, output = staticmethod(_meetings), sm.MeetingOutputSerializer


@extend_schema(request=None, responses=sm.MeetingOutputSerializer)
class MeetingUnpinApi(_MeetingApi):
    def act(self, request: Request, meeting: Meeting) -> None:
        schedule.meeting_unpin(user=_actor(request), meeting_id=meeting.pk)


@extend_schema(request=sm.OutcomeInputSerializer, responses=sm.MeetingOutputSerializer)
class MeetingOutcomeApi(_MeetingApi):
    """How the meeting went (either party or staff); a positive outcome creates or advances
    the pair, whose id and stage come back with the meeting."""

    def act(self, request: Request, meeting: Meeting) -> None:
        data = _valid(sm.OutcomeInputSerializer, request)
        with _named(PAIR_FIELDS):
            outcomes.meeting_outcome_record(user=_actor(request), meeting_id=meeting.pk, **data)
