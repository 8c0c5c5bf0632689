"""Operations on the result register; the shared lifecycle lives in portal.services.postings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from portal.models import Result
from portal.services import postings

if TYPE_CHECKING:
    from accounts.models import Organization, User


def result_create(
    *,
    by: User,
    data: Mapping[str, Any],
    organization: Organization | None = None,
    submit: bool = False,
) -> Result:
    # The kind string decides the model posting_create builds.
    return cast(
        Result,
        postings.posting_create(
            kind="result", by=by, data=data, organization=organization, submit=submit
        ),
    )


def result_update(*, result: Result, by: User, data: Mapping[str, Any]) -> Result:
    return postings.posting_update(posting=result, by=by, data=data)


def result_submit(*, result: Result, by: User) -> Result:
    return postings.posting_submit(posting=result, by=by)


def result_approve(*, result: Result, by: User) -> Result:
    return postings.posting_approve(posting=result, by=by)


def result_reject(*, result: Result, by: User, reason: str) -> Result:
    return postings.posting_reject(posting=result, by=by, reason=reason)


def result_close(*, result: Result, by: User) -> Result:
    return postings.posting_close(posting=result, by=by)


def result_confirm(*, result: Result, by: User) -> Result:
    return postings.posting_confirm(posting=result, by=by)
