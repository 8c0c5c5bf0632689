"""Search tokens gain the character unigrams and bigrams every substring query is matched
on (portal.search.search_tokens_for): rewrite them for the postings already stored. With
historical models, so later schema changes never break it; nothing to undo (the old
tokens are a prefix of the new ones)."""

from __future__ import annotations

from django.db import migrations

KINDS = {
    "Need": ("title", ("description",)),
    "Result": ("title", ("summary", "team", "institution_name")),
    "Expert": ("name", ("institution_name", "biography", "representative_results")),
}


def rewrite(apps, schema_editor):  # type: ignore[no-untyped-def]
    from portal.search import search_tokens_for

    for name, (title_field, body_fields) in KINDS.items():
        model = apps.get_model("portal", name)
        pks = list(model.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), 500):
            rows = model.objects.filter(pk__in=pks[start : start + 500]).prefetch_related("fields")
            changed = []
            for row in rows:
                fields = " ".join(f.name for f in row.fields.all())
                row.search_tokens = search_tokens_for(
                    title=str(getattr(row, title_field) or ""),
                    keywords=f"{row.keywords} {fields}",
                    body=[str(getattr(row, f) or "") for f in body_fields],
                )
                changed.append(row)
            model.objects.bulk_update(changed, ["search_tokens"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_english_names_and_field_limits")]

    operations = [migrations.RunPython(rewrite, migrations.RunPython.noop, elidable=True)]
