"""Staff routes of challenge lists and competitions (same ``challenges`` namespace): the
create form, the manage page of one programme (``challenges:manage``) and the actions its
sections post to, and a challenge's own staff page (``challenges:manage-challenge``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from portal.challenges import views_manage as views
from portal.challenges import views_review as review

M = "<int:pk>/manage/"

urlpatterns: list[URLPattern] = [
    path("new/", views.programme_create, name="create"),
    path(M, views.manage, name="manage"),
    # 概况
    path(f"{M}publish/", views.programme_publish, name="manage-publish"),
    path(f"{M}publicity/", views.publicity_start, name="manage-publicity"),
    path(f"{M}finalize/", views.programme_finalize, name="manage-finalize"),
    # 榜题
    path(f"{M}challenges/new/", views.challenge_add, name="manage-challenge-add"),
    path("<int:pk>/items/<int:cid>/manage/", views.challenge_manage, name="manage-challenge"),
    path(
        "<int:pk>/items/<int:cid>/manage/invite/",
        views.challenge_invite,
        name="manage-challenge-invite",
    ),
    # 评审
    path(
        f"{M}stages/<int:stage_pk>/reviewers/",
        review.reviewer_assign,
        name="manage-reviewer-assign",
    ),
    path(f"{M}stages/<int:stage_pk>/close/", review.stage_close, name="manage-stage-close"),
    path(
        f"{M}challenges/<int:challenge_pk>/winner/",
        review.winner_select,
        name="manage-winner",
    ),
    # 公示
    path(
        f"{M}objections/<int:objection_pk>/",
        review.objection_handle,
        name="manage-objection",
    ),
    # 实施
    path(f"{M}entries/<int:entry_pk>/sign/", review.award_sign, name="manage-sign"),
    path(
        f"{M}milestones/<int:milestone_pk>/",
        review.milestone_complete,
        name="manage-milestone",
    ),
    path(f"{M}entries/<int:entry_pk>/follow-up/", review.follow_up_flag, name="manage-follow-up"),
]
