"""Browser pages of the three registers (needs, results, experts)."""

from __future__ import annotations

from django.urls import URLPattern, path

from portal.views import postings as views
from portal.views.completeness import need_completeness_panel
from portal.views.suggest import search_suggest

app_name = "registers"


def _register(prefix: str, kind: str) -> list[URLPattern]:
    k = {"kind": kind}
    return [
        path(f"{prefix}/", views.posting_list, k, name=f"{kind}-list"),
        path(f"{prefix}/new/", views.posting_create, k, name=f"{kind}-create"),
        path(f"{prefix}/mine/", views.posting_mine, k, name=f"{kind}-mine"),
        path(f"{prefix}/export/", views.posting_export, k, name=f"{kind}-export"),
        path(f"{prefix}/import/", views.posting_import, k, name=f"{kind}-import"),
        path(
            f"{prefix}/import/template/",
            views.posting_import_template,
            k,
            name=f"{kind}-import-template",
        ),
        path(f"{prefix}/<int:pk>/", views.posting_detail, k, name=f"{kind}-detail"),
        path(f"{prefix}/<int:pk>/edit/", views.posting_edit, k, name=f"{kind}-edit"),
        path(f"{prefix}/<int:pk>/submit/", views.posting_submit, k, name=f"{kind}-submit"),
        path(f"{prefix}/<int:pk>/close/", views.posting_close, k, name=f"{kind}-close"),
        path(f"{prefix}/<int:pk>/confirm/", views.posting_confirm, k, name=f"{kind}-confirm"),
        path(f"{prefix}/<int:pk>/approve/", views.posting_approve, k, name=f"{kind}-approve"),
        path(f"{prefix}/<int:pk>/reject/", views.posting_reject, k, name=f"{kind}-reject"),
    ]


urlpatterns = [
    path("search/suggest/", search_suggest, name="search-suggest"),
    path("needs/completeness/", need_completeness_panel, name="need-completeness"),
    *_register("needs", "need"),
    *_register("results", "result"),
    *_register("experts", "expert"),
    path("review/", views.review_queue, name="review-queue"),
    path("review/bulk-approve/", views.review_bulk_approve, name="review-bulk-approve"),
    path("review/counts/", views.review_counts, name="review-counts"),
    path("regions.json", views.region_tree, name="region-tree"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment-delete"),
]
