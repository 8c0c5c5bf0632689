"""Browser routes of challenge lists and competitions: public, bidder and reviewer pages
here, staff tools in :mod:`portal.challenges.manage_urls` (same ``challenges`` namespace)."""

from __future__ import annotations

from django.urls import include, path

from portal.challenges import views, views_entries, views_reviewer

app_name = "challenges"

ENTRY = "entries/<int:eid>/"

urlpatterns = [
    path("", views.programme_list, name="list"),
    path("mine/", views.mine, name="mine"),
    path("reviews/", views_reviewer.assignments, name="reviews"),
    path("reviews/conflicts/", views_reviewer.conflict_declare, name="conflict-declare"),
    path("<int:pk>/", views.programme_detail, name="detail"),
    path("<int:pk>/enter/", views.enter, name="enter"),
    path("<int:pk>/objection/", views.objection, name="objection"),
    path("<int:pk>/challenges/<int:challenge_pk>/", views.challenge_detail, name="challenge"),
    path("<int:pk>/challenges/<int:challenge_pk>/bid/", views.bid, name="bid"),
    path(ENTRY, views_entries.entry_detail, name="entry"),
    path(f"{ENTRY}edit/", views_entries.entry_edit, name="entry-edit"),
    path(f"{ENTRY}confirm/", views_entries.entry_confirm, name="entry-confirm"),
    path(f"{ENTRY}withdraw/", views_entries.entry_withdraw, name="entry-withdraw"),
    path(f"{ENTRY}review/", views_reviewer.review, name="review"),
    path(f"{ENTRY}attachments/", views_entries.attachment_add, name="attachment-add"),
    path(
        f"{ENTRY}attachments/<int:aid>/",
        views_entries.attachment_download,
        name="attachment-download",
    ),
    path(
        f"{ENTRY}milestones/<int:mid>/",
        views_entries.milestone_complete,
        name="milestone-complete",
    ),
    path(
        f"{ENTRY}milestones/<int:mid>/document/",
        views_entries.milestone_document,
        name="milestone-document",
    ),
    path("", include("portal.challenges.manage_urls")),
]
