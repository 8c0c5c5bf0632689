"""Staff routes of the events (same ``events`` namespace): the event form, the dashboard
of one event (``events:manage``) and the actions its sections post to."""

from __future__ import annotations

from django.urls import URLPattern, path

from portal.events import views_manage as views
from portal.events import views_schedule as meetings

M = "<int:pk>/manage/"

urlpatterns: list[URLPattern] = [
    path("new/", views.event_create, name="create"),
    path("<int:pk>/edit/", views.event_edit, name="edit"),
    path(M, views.manage, name="manage"),
    path(f"{M}publish/", views.event_publish, name="manage-publish"),
    path(f"{M}cancel/", views.event_cancel, name="manage-cancel"),
    # 会场
    path(f"{M}venues/new/", views.venue_add, name="manage-venue-add"),
    path(f"{M}venues/<int:venue_pk>/", views.venue_edit, name="manage-venue-edit"),
    path(f"{M}venues/<int:venue_pk>/delete/", views.venue_delete, name="manage-venue-delete"),
    # 发布项目
    path(f"{M}postings/", views.postings_update, name="manage-postings"),
    path(f"{M}postings/attach/", views.postings_attach, name="manage-postings-attach"),
    path(f"{M}postings/import/", views.postings_import, name="manage-postings-import"),
    # 报名
    path(
        f"{M}registrations/<int:reg_pk>/decide/",
        meetings.registration_decide,
        name="manage-registration-decide",
    ),
    # 洽谈预约
    path(f"{M}requests/propose/", meetings.requests_propose, name="manage-requests-propose"),
    path(f"{M}requests/accept/", meetings.proposals_accept, name="manage-proposals-accept"),
    path(
        f"{M}requests/<int:request_pk>/cancel/",
        meetings.request_cancel,
        name="manage-request-cancel",
    ),
    # 日程
    path(f"{M}schedule/solve/", meetings.schedule_solve, name="manage-schedule-solve"),
    path(f"{M}schedule/pin/", meetings.meeting_pin, name="manage-meeting-pin"),
    path(
        f"{M}schedule/<int:meeting_pk>/unpin/",
        meetings.meeting_unpin,
        name="manage-meeting-unpin",
    ),
    path(f"{M}schedule/publish/", meetings.schedule_publish, name="manage-schedule-publish"),
    # 洽谈结果
    path(
        f"{M}meetings/<int:meeting_pk>/outcome/",
        meetings.meeting_outcome,
        name="manage-meeting-outcome",
    ),
]
