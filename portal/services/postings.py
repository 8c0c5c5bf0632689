"""The lifecycle the three registers share: create, edit, submit, review, close, expire.

draft → submitted → published | rejected (reason) → closed / expired. Owners edit drafts and
rejected items; editing a published item sends it back to review only when a material field
changes. Every change that adds, edits or withdraws a published posting tells the matching
engine through the ``posting_changed`` signal (portal.signals), inside the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import TextField
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import access
from portal.models import Expert, Need, PostingStatus, Result
from portal.search import search_tokens_for
from portal.services import members_first
from portal.signals import posting_changed

if TYPE_CHECKING:
    from accounts.models import Organization, User
    from portal.signals import PostingKind

# A concrete posting of any of the three registers.
Posting: TypeAlias = Need | Result | Expert
# The same, for functions that hand back the kind they were given.
P = TypeVar("P", bound=Posting)

CONTACT = ("contact_name", "contact_phone", "contact_email")


@dataclass(frozen=True)
class KindSpec:
    kind: PostingKind
    model: type[Need] | type[Result] | type[Expert]
    scalar_fields: tuple[str, ...]
    m2m_fields: tuple[str, ...]
    material_fields: tuple[str, ...]
    text_fields: tuple[str, ...]
    title_field: str
    body_fields: tuple[str, ...]


SPECS: dict[str, KindSpec] = {
    "need": KindSpec(
        kind="need",
        model=Need,
        scalar_fields=(
            "title",
            "description",
            "keywords",
            "region_code",
            "budget_min",
            "budget_max",
            "expected_maturity",
            "deadline",
            *CONTACT,
            "confidential_fields",
            *members_first.FIELDS,
        ),
        m2m_fields=("fields", "cooperation_modes"),
        material_fields=("title", "description", "keywords", "fields"),
        text_fields=("title", "description", "keywords", "contact_name"),
        title_field="title",
        body_fields=("description",),
    ),
    "result": KindSpec(
        kind="result",
        model=Result,
        scalar_fields=(
            "title",
            "summary",
            "keywords",
            "region_code",
            "maturity",
            "trl",
            "patent_numbers",
            "asking_price",
            "team",
            "institution_name",
            *CONTACT,
            *members_first.FIELDS,
        ),
        m2m_fields=("fields", "cooperation_modes", "ip_types"),
        material_fields=("title", "summary", "keywords", "fields", "team"),
        text_fields=(
            "title",
            "summary",
            "keywords",
            "patent_numbers",
            "team",
            "institution_name",
            "contact_name",
        ),
        title_field="title",
        body_fields=("summary", "team", "institution_name"),
    ),
    "expert": KindSpec(
        kind="expert",
        model=Expert,
        scalar_fields=(
            "name",
            "institution_name",
            "title",
            "biography",
            "representative_results",
            "keywords",
            "region_code",
            "capacity",
            "willing_commissioner",
            *CONTACT,
        ),
        m2m_fields=("fields", "cooperation_modes"),
        material_fields=(
            "name",
            "institution_name",
            "title",
            "biography",
            "representative_results",
            "keywords",
            "fields",
        ),
        text_fields=(
            "name",
            "institution_name",
            "biography",
            "representative_results",
            "keywords",
            "contact_name",
        ),
        title_field="name",
        body_fields=("institution_name", "biography", "representative_results"),
    ),
}

# Any tag-like construct: <b>, </p>, <script ...>, <!-- -->, <img/src=...>.
HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?][^>]*>|<\s*[A-Za-z]+[\s/]")
EDITABLE_STATUSES = (
    PostingStatus.DRAFT,
    PostingStatus.REJECTED,
    PostingStatus.SUBMITTED,
    PostingStatus.PUBLISHED,
)
SUBMITTABLE_STATUSES = (
    PostingStatus.DRAFT,
    PostingStatus.REJECTED,
    PostingStatus.CLOSED,
    PostingStatus.EXPIRED,
)


def spec_for(posting: Posting) -> KindSpec:
    for spec in SPECS.values():
        if isinstance(posting, spec.model):
            return spec
    raise TypeError(posting)


def contains_html(value: object) -> bool:
    return isinstance(value, str) and bool(HTML_TAG.search(value))


def _notify_engine(spec: KindSpec, posting: Posting) -> None:
    posting_changed.send(sender=spec.model, kind=spec.kind, pk=posting.pk)


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _validate(
    spec: KindSpec,
    posting: Posting,
    m2m: Mapping[str, list[Any]],
    *,
    check_deadline: bool,
    check_members_first: bool = True,
) -> None:
    """Model validators plus the registers' rules; raises one ValidationError with all fields.

    ``check_members_first``: the alliance and days are checked when they are set or changed
    (an unrelated edit after the organisation left the alliance, or after the period ended,
    is no error).
    """
    errors: dict[str, list[str]] = {}
    try:
        posting.full_clean(validate_unique=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                _add(errors, field, message)
    for model_field in posting._meta.get_fields():
        limit = getattr(model_field, "max_length", None)
        # Django validates max_length of CharField but not of TextField.
        if isinstance(model_field, TextField) and limit and model_field.name not in errors:
            value = getattr(posting, model_field.name) or ""
            if len(value) > limit:
                _add(errors, model_field.name, _("不能超过 %(n)s 个字。") % {"n": limit})
    for field in spec.text_fields:
        if contains_html(getattr(posting, field)):
            _add(errors, field, _("不能包含 HTML 标签或脚本，请输入纯文本。"))
    if not m2m.get("fields"):
        _add(errors, "fields", _("请至少选择一个技术领域。"))
    if isinstance(posting, Need):
        low, high = posting.budget_min, posting.budget_max
        if low is not None and high is not None and low > high:
            _add(errors, "budget_max", _("预算上限不能低于预算下限。"))
        if check_deadline and posting.deadline and posting.deadline < timezone.localdate():
            _add(errors, "deadline", _("截止日期不能早于今天。"))
        allowed = {key for key, _label in Need.CONFIDENTIAL_CHOICES}
        flags = posting.confidential_fields
        if not isinstance(flags, list) or not set(flags) <= allowed:
            _add(
                errors,
                "confidential_fields",
                _("保密字段只能从“需求描述、预算、企业名称、联系方式”中选择。"),
            )
    if check_members_first:
        for field, messages in members_first.members_first_errors(posting).items():
            for message in messages:
                _add(errors, field, message)
    if errors:
        raise ValidationError(errors)


def _refresh_search_tokens(spec: KindSpec, posting: Posting, fields: Iterable[Any]) -> None:
    field_names = " ".join(getattr(f, "name", "") for f in fields)
    body = [str(getattr(posting, name) or "") for name in spec.body_fields]
    posting.search_tokens = search_tokens_for(
        title=str(getattr(posting, spec.title_field) or ""),
        keywords=f"{posting.keywords} {field_names}",
        body=body,
    )


def search_tokens_refresh(*, batch: int = 500) -> int:
    """Rewrite ``search_tokens`` of every posting with the tokeniser as it cuts now (after the
    domain dictionary moved). Returns the number of postings rewritten."""
    count = 0
    for spec in SPECS.values():
        model = spec.model
        pks = list(model.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), batch):
            chunk = model.objects.filter(pk__in=pks[start : start + batch]).prefetch_related(
                "fields"
            )
            changed: list[Any] = []
            for posting in chunk:
                before = posting.search_tokens
                _refresh_search_tokens(spec, posting, posting.fields.all())
                if posting.search_tokens != before:
                    changed.append(posting)
            model.objects.bulk_update(changed, ["search_tokens"], batch_size=batch)
            count += len(changed)
    return count


def _split(spec: KindSpec, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    unknown = set(data) - set(spec.scalar_fields) - set(spec.m2m_fields)
    if unknown:
        raise ValueError(f"unknown fields for {spec.kind}: {sorted(unknown)}")
    scalars = {k: v for k, v in data.items() if k in spec.scalar_fields}
    m2m = {k: list(v or []) for k, v in data.items() if k in spec.m2m_fields}
    for key, value in scalars.items():
        if isinstance(value, str) and key != "confidential_fields":
            scalars[key] = value.strip()
    return scalars, m2m


@transaction.atomic
def posting_create(
    *,
    kind: str,
    by: User,
    data: Mapping[str, Any],
    organization: Organization | None = None,
    submit: bool = False,
) -> Posting:
    """Create a draft (or, with ``submit``, a posting waiting for review).

    Staff may create postings for any organisation or none (a ledger entry); everyone else
    posts for their own organisation, and an expert profile of a non-staff user is theirs.
    """
    spec = SPECS[kind]
    if not access.can_create(by, kind):
        raise PermissionDenied(_("您的账号角色不能发布此类信息。"))
    scalars, m2m = _split(spec, data)
    posting = spec.model(**scalars)
    posting.created_by = by
    posting.organization = organization if by.is_bureau_staff else by.organization
    # kind == "expert" exactly when spec.model is Expert; isinstance lets the checker see it.
    if isinstance(posting, Expert) and not by.is_bureau_staff:
        if Expert.objects.filter(user=by).exists():
            raise ValidationError({"name": [_("您已有专家档案，请编辑原有档案。")]})
        posting.user = by
    m2m.setdefault("fields", [])
    _validate(spec, posting, m2m, check_deadline=True)
    if submit:
        posting.status = PostingStatus.SUBMITTED
        posting.submitted_at = timezone.now()
    _refresh_search_tokens(spec, posting, m2m["fields"])
    posting.save()
    for name, values in m2m.items():
        getattr(posting, name).set(values)
    return posting


def _values_of(spec: KindSpec, posting: Posting) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(posting, name) for name in spec.scalar_fields}
    for name in spec.m2m_fields:
        values[name] = {obj.pk for obj in getattr(posting, name).all()}
    return values


def _lock(posting: P) -> P:
    # The manager of type(posting) returns the same model; mypy only sees the bound's union.
    return cast(P, type(posting).objects.select_for_update().get(pk=posting.pk))


@transaction.atomic
def posting_update(*, posting: P, by: User, data: Mapping[str, Any]) -> P:
    """Edit a posting. Only the keys present in ``data`` change (PATCH semantics).

    Editing a published posting keeps it published unless a material field changed and the
    editor is not staff of its region; then it goes back to review.
    """
    spec = spec_for(posting)
    if not access.can_write(by, posting):
        raise PermissionDenied(_("您没有权限修改此信息。"))
    posting = _lock(posting)
    if posting.status not in EDITABLE_STATUSES:
        raise ValidationError({"__all__": [_("已关闭或已过期的信息不能修改，请先重新提交审核。")]})
    scalars, m2m = _split(spec, data)
    before = _values_of(spec, posting)
    for name, value in scalars.items():
        setattr(posting, name, value)
    current_m2m = {name: list(getattr(posting, name).all()) for name in spec.m2m_fields}
    merged_m2m = {**current_m2m, **m2m}
    _validate(
        spec,
        posting,
        merged_m2m,
        check_deadline="deadline" in scalars and scalars["deadline"] != before.get("deadline"),
        check_members_first=any(
            name in scalars and scalars[name] != before.get(name) for name in members_first.FIELDS
        ),
    )
    changed = [n for n, v in scalars.items() if v != before[n]]
    changed += [n for n, v in m2m.items() if {o.pk for o in v} != before[n]]
    if not changed:
        return posting
    update_fields: list[str] = [n for n in changed if n in spec.scalar_fields]
    was_published = posting.status == PostingStatus.PUBLISHED
    material = bool(set(changed) & set(spec.material_fields))
    if was_published and material and not access.can_review(by, posting):
        posting.status = PostingStatus.SUBMITTED
        posting.submitted_at = timezone.now()
        update_fields += ["status", "submitted_at"]
    if members_first.members_first_schedule(posting):
        update_fields.append("members_first_until")
    _refresh_search_tokens(spec, posting, merged_m2m["fields"])
    posting.save(update_fields=[*update_fields, "search_tokens", "updated_at"])
    for name, values in m2m.items():
        getattr(posting, name).set(values)
    if was_published:
        _notify_engine(spec, posting)
    return posting


@transaction.atomic
def posting_submit(*, posting: P, by: User) -> P:
    """Send a draft, rejected, closed or expired posting to review."""
    if not access.can_write(by, posting):
        raise PermissionDenied(_("您没有权限提交此信息。"))
    posting = _lock(posting)
    if posting.status == PostingStatus.SUBMITTED:
        return posting
    if posting.status not in SUBMITTABLE_STATUSES:
        raise ValidationError({"__all__": [_("该信息已发布，无需重新提交。")]})
    posting.status = PostingStatus.SUBMITTED
    posting.submitted_at = timezone.now()
    posting.save(update_fields=["status", "submitted_at", "updated_at"])
    return posting


@transaction.atomic
def posting_approve(*, posting: P, by: User) -> P:
    """Publish a submitted posting (staff of its region). Idempotent on a published one."""
    if not access.can_review(by, posting):
        raise PermissionDenied(_("只有所辖地区的科技局工作人员可以审核。"))
    posting = _lock(posting)
    if posting.status == PostingStatus.PUBLISHED:
        return posting
    if posting.status != PostingStatus.SUBMITTED:
        raise ValidationError({"__all__": [_("只有待审核的信息可以审核通过。")]})
    now = timezone.now()
    posting.status = PostingStatus.PUBLISHED
    posting.published_at = now
    posting.last_confirmed_at = now
    posting.reconfirm_requested_at = None
    posting.reviewed_by = by
    posting.reject_reason = ""
    # a members-first period counts from publication
    members_first.members_first_schedule(posting)
    posting.save(
        update_fields=[
            "status",
            "published_at",
            "last_confirmed_at",
            "reconfirm_requested_at",
            "reviewed_by",
            "reject_reason",
            "members_first_until",
            "updated_at",
        ]
    )
    _notify_engine(spec_for(posting), posting)
    return posting


@transaction.atomic
def posting_reject(*, posting: P, by: User, reason: str) -> P:
    """Return a submitted (or take down a published) posting with the staff's reason."""
    if not access.can_review(by, posting):
        raise PermissionDenied(_("只有所辖地区的科技局工作人员可以审核。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写退回原因。")]})
    if len(reason) > 500:
        raise ValidationError({"reason": [_("退回原因不能超过500个字。")]})
    if contains_html(reason):
        raise ValidationError({"reason": [_("不能包含 HTML 标签或脚本，请输入纯文本。")]})
    posting = _lock(posting)
    if posting.status not in (PostingStatus.SUBMITTED, PostingStatus.PUBLISHED):
        raise ValidationError({"__all__": [_("只有待审核或已发布的信息可以退回。")]})
    was_published = posting.status == PostingStatus.PUBLISHED
    posting.status = PostingStatus.REJECTED
    posting.reject_reason = reason
    posting.reviewed_by = by
    posting.save(update_fields=["status", "reject_reason", "reviewed_by", "updated_at"])
    if was_published:
        _notify_engine(spec_for(posting), posting)
    return posting


@transaction.atomic
def posting_close(*, posting: P, by: User) -> P:
    """The owner withdraws a posting (solved, no longer offered). Idempotent."""
    if not access.can_write(by, posting):
        raise PermissionDenied(_("您没有权限关闭此信息。"))
    posting = _lock(posting)
    if posting.status == PostingStatus.CLOSED:
        return posting
    was_published = posting.status == PostingStatus.PUBLISHED
    posting.status = PostingStatus.CLOSED
    posting.save(update_fields=["status", "updated_at"])
    if was_published:
        _notify_engine(spec_for(posting), posting)
    return posting


@transaction.atomic
def posting_confirm(*, posting: P, by: User) -> P:
    """ "Still valid": the owner re-confirms a published posting, resetting its age."""
    if not access.can_write(by, posting):
        raise PermissionDenied(_("您没有权限确认此信息。"))
    posting = _lock(posting)
    if posting.status != PostingStatus.PUBLISHED:
        raise ValidationError({"__all__": [_("只有已发布的信息需要确认有效。")]})
    posting.last_confirmed_at = timezone.now()
    posting.reconfirm_requested_at = None
    posting.save(update_fields=["last_confirmed_at", "reconfirm_requested_at", "updated_at"])
    return posting


def posting_bulk_approve(*, kind: str, pks: Iterable[int], by: User) -> int:
    """Approve each submitted posting of ``pks`` the staff member may review; returns count.

    One transaction per posting, so one failure never rolls back the others.
    """
    from portal.selectors import posting_list_pending_review

    count = 0
    for posting in posting_list_pending_review(kind=kind, user=by).filter(pk__in=list(pks)):
        posting_approve(posting=posting, by=by)
        count += 1
    return count


def posting_expire_stale(*, now: Any = None) -> dict[str, int]:
    """Flag published postings not confirmed for POSTING_RECONFIRM_DAYS; expire those older
    than that plus POSTING_EXPIRE_GRACE_DAYS. Idempotent: a re-run changes nothing new.
    """
    now = now or timezone.now()
    flag_before = now - timedelta(days=settings.POSTING_RECONFIRM_DAYS)
    expire_before = flag_before - timedelta(days=settings.POSTING_EXPIRE_GRACE_DAYS)
    counts = {"flagged": 0, "expired": 0}
    for spec in SPECS.values():
        published = spec.model.objects.filter(status=PostingStatus.PUBLISHED)
        for pk in published.filter(last_confirmed_at__lt=expire_before).values_list(
            "pk", flat=True
        ):
            with transaction.atomic():
                claimed = spec.model.objects.filter(
                    pk=pk, status=PostingStatus.PUBLISHED, last_confirmed_at__lt=expire_before
                ).update(status=PostingStatus.EXPIRED, updated_at=now)
                if claimed:
                    counts["expired"] += 1
                    _notify_engine(spec, spec.model(pk=pk))
        counts["flagged"] += published.filter(
            last_confirmed_at__lt=flag_before, reconfirm_requested_at__isnull=True
        ).update(reconfirm_requested_at=now)
    return counts
