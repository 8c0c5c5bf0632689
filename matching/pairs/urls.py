"""Browser routes of the match workflow; included by matching/urls.py (namespace matching)."""

from __future__ import annotations

from django.urls import path

from matching.pairs import views, views_review

urlpatterns = [
    path("review/", views_review.review_queue, name="review-queue"),
    path("review/bulk/", views_review.match_bulk_view, name="review-bulk"),
    path("manual/", views.match_manual, name="match-manual"),
    path("manual/search/", views.posting_search, name="posting-search"),
    path("pairs/", views.match_list, name="match-list"),
    path("pairs/due/", views.due_list, name="due-list"),
    path("pairs/<int:match_id>/", views.match_detail, name="match-detail"),
    path("pairs/<int:match_id>/approve/", views.match_approve_view, name="match-approve"),
    path("pairs/<int:match_id>/reject/", views.match_reject_view, name="match-reject"),
    path("pairs/<int:match_id>/respond/", views.match_respond_view, name="match-respond"),
    path("pairs/<int:match_id>/advance/", views.match_advance_view, name="match-advance"),
    path("pairs/<int:match_id>/followups/", views.followup_create_view, name="followup-create"),
]
