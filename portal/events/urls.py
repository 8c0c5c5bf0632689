"""Browser routes of the events (对接会): public and participant pages here, staff tools in
:mod:`portal.events.manage_urls`."""

from __future__ import annotations

from django.urls import include, path

from portal.events import views, views_agenda

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("<int:pk>/", views.event_detail, name="detail"),
    path("<int:pk>/register/", views.register, name="register"),
    path("<int:pk>/registration/", views.registration_edit, name="registration-edit"),
    path("<int:pk>/registration/cancel/", views.registration_cancel, name="registration-cancel"),
    path("<int:pk>/requests/new/", views.request_create, name="request-create"),
    path(
        "<int:pk>/requests/<int:request_id>/respond/",
        views.request_respond,
        name="request-respond",
    ),
    path("<int:pk>/requests/<int:request_id>/cancel/", views.request_cancel, name="request-cancel"),
    path("<int:pk>/agenda/<int:registration_pk>/", views_agenda.agenda, name="agenda"),
    path("<int:pk>/agenda/<int:registration_pk>/ics/", views_agenda.agenda_ics, name="agenda-ics"),
    path("<int:pk>/tables/", views_agenda.tables, name="tables"),
    path(
        "<int:pk>/meetings/<int:meeting_id>/outcome/",
        views_agenda.meeting_outcome,
        name="meeting-outcome",
    ),
    path("", include("portal.events.manage_urls")),
]
