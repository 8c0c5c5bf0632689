"""API routes of the events under /api/events/ (in the api namespace, names event-...)."""

from __future__ import annotations

from django.urls import path

from portal.events import apis
from portal.events import apis_meetings as meetings

EVENT = "<int:pk>/"
REQUEST = EVENT + "meeting-requests/<int:req_id>/"
REGISTRATION = EVENT + "registrations/<int:rid>/"

urlpatterns = [
    path("", apis.EventListApi.as_view(), name="event-list"),
    path(EVENT, apis.EventDetailApi.as_view(), name="event-detail"),
    path(EVENT + "publish/", apis.EventPublishApi.as_view(), name="event-publish"),
    path(EVENT + "cancel/", apis.EventCancelApi.as_view(), name="event-cancel"),
    path(EVENT + "stats/", apis.EventStatsApi.as_view(), name="event-stats"),
    # venues
    path(EVENT + "venues/", apis.VenueListApi.as_view(), name="event-venues"),
    path(
        EVENT + "venues/<int:venue_pk>/", apis.VenueDetailApi.as_view(), name="event-venue-detail"
    ),
    # what the event publishes (路演)
    path(EVENT + "postings/", apis.EventPostingListApi.as_view(), name="event-postings"),
    path(EVENT + "postings/order/", apis.RoadshowOrderApi.as_view(), name="event-postings-order"),
    path(EVENT + "postings/import/", apis.PostingImportApi.as_view(), name="event-postings-import"),
    # registrations
    path(EVENT + "registrations/", apis.RegistrationListApi.as_view(), name="event-registrations"),
    path(REGISTRATION, apis.RegistrationDetailApi.as_view(), name="event-registration-detail"),
    path(
        REGISTRATION + "approve/",
        apis.RegistrationApproveApi.as_view(),
        name="event-registration-approve",
    ),
    path(
        REGISTRATION + "reject/",
        apis.RegistrationRejectApi.as_view(),
        name="event-registration-reject",
    ),
    path(
        REGISTRATION + "cancel/",
        apis.RegistrationCancelApi.as_view(),
        name="event-registration-cancel",
    ),
    # 1:1 meeting requests
    path(
        EVENT + "meeting-requests/",
        meetings.MeetingRequestListApi.as_view(),
        name="event-meeting-requests",
    ),
    path(
        EVENT + "meeting-requests/propose/",
        meetings.MeetingProposeApi.as_view(),
        name="event-meeting-requests-propose",
    ),
    path(
        EVENT + "meeting-requests/accept-proposals/",
        meetings.ProposalsAcceptApi.as_view(),
        name="event-meeting-requests-accept-proposals",
    ),
    path(
        REQUEST + "accept/", meetings.MeetingRequestAcceptApi.as_view(), name="event-request-accept"
    ),
    path(
        REQUEST + "decline/",
        meetings.MeetingRequestDeclineApi.as_view(),
        name="event-request-decline",
    ),
    path(
        REQUEST + "cancel/", meetings.MeetingRequestCancelApi.as_view(), name="event-request-cancel"
    ),
    path(REQUEST + "pin/", meetings.MeetingRequestPinApi.as_view(), name="event-request-pin"),
    # the schedule and the meetings
    path(EVENT + "schedule/", meetings.ScheduleApi.as_view(), name="event-schedule"),
    path(
        EVENT + "schedule/solve/", meetings.ScheduleSolveApi.as_view(), name="event-schedule-solve"
    ),
    path(
        EVENT + "schedule/publish/",
        meetings.SchedulePublishApi.as_view(),
        name="event-schedule-publish",
    ),
    path(
        EVENT + "meetings/<int:mid>/unpin/",
        meetings.MeetingUnpinApi.as_view(),
        name="event-meeting-unpin",
    ),
    path(
        EVENT + "meetings/<int:mid>/outcome/",
        meetings.MeetingOutcomeApi.as_view(),
        name="event-meeting-outcome",
    ),
]
