"""API routes of challenge lists and competitions under /api/challenges/ (in the api
namespace, names challenge-...)."""

from __future__ import annotations

from django.urls import path

from portal.challenges import apis
from portal.challenges import apis_entries as entries
from portal.challenges import apis_review as review

PROGRAMME = "<int:pk>/"
ITEM = PROGRAMME + "items/<int:cid>/"
ENTRY = PROGRAMME + "entries/<int:eid>/"
STAGE = PROGRAMME + "stages/<int:sid>/"

urlpatterns = [
    path("", apis.ProgrammeListApi.as_view(), name="challenge-list"),
    path("conflicts/", review.ConflictDeclareApi.as_view(), name="challenge-conflicts"),
    path(PROGRAMME, apis.ProgrammeDetailApi.as_view(), name="challenge-detail"),
    path(PROGRAMME + "publish/", apis.ProgrammePublishApi.as_view(), name="challenge-publish"),
    path(
        PROGRAMME + "publicity/", apis.ProgrammePublicityApi.as_view(), name="challenge-publicity"
    ),
    path(PROGRAMME + "finalize/", apis.ProgrammeFinalizeApi.as_view(), name="challenge-finalize"),
    path(PROGRAMME + "stats/", apis.ProgrammeStatsApi.as_view(), name="challenge-stats"),
    # challenges (榜题)
    path(PROGRAMME + "items/", apis.ChallengeListApi.as_view(), name="challenge-items"),
    path(ITEM + "invite/", apis.ChallengeInviteApi.as_view(), name="challenge-item-invite"),
    path(ITEM + "select/", apis.ChallengeSelectApi.as_view(), name="challenge-item-select"),
    # entries (bids, competition entries) and their reviews
    path(PROGRAMME + "entries/", entries.EntryListApi.as_view(), name="challenge-entries"),
    path(ENTRY, entries.EntryDetailApi.as_view(), name="challenge-entry-detail"),
    path(ENTRY + "confirm/", entries.EntryConfirmApi.as_view(), name="challenge-entry-confirm"),
    path(ENTRY + "withdraw/", entries.EntryWithdrawApi.as_view(), name="challenge-entry-withdraw"),
    path(ENTRY + "reviews/", entries.EntryReviewListApi.as_view(), name="challenge-entry-reviews"),
    path(ENTRY + "sign/", entries.EntrySignApi.as_view(), name="challenge-entry-sign"),
    path(
        ENTRY + "follow-up/",
        entries.EntryFollowUpApi.as_view(),
        name="challenge-entry-follow-up",
    ),
    # review stages
    path(
        STAGE + "reviewers/",
        review.StageReviewerListApi.as_view(),
        name="challenge-stage-reviewers",
    ),
    path(STAGE + "close/", review.StageCloseApi.as_view(), name="challenge-stage-close"),
    # publicity and delivery
    path(PROGRAMME + "objections/", review.ObjectionListApi.as_view(), name="challenge-objections"),
    path(
        PROGRAMME + "objections/<int:oid>/handle/",
        review.ObjectionHandleApi.as_view(),
        name="challenge-objection-handle",
    ),
    path(PROGRAMME + "milestones/", review.MilestoneListApi.as_view(), name="challenge-milestones"),
    path(
        PROGRAMME + "milestones/<int:mid>/complete/",
        review.MilestoneCompleteApi.as_view(),
        name="challenge-milestone-complete",
    ),
]
