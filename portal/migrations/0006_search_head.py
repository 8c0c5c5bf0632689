"""A small stored vector of each posting's head (title and keywords) to rank searches by,
on PostgreSQL only.

Ranking every match by the vector of its whole ``search_tokens`` recomputed to_tsvector
for each matching row (about 1 ms each: 15 s for 技术 over 100,000 postings); the head's
vector is stored in the row (a generated column) with its own GIN index, so a list finds
and ranks its title/keyword hits without touching the rest. ``search_tokens`` is rewritten
so the head comes first, ended by " | " (portal.search.search_tokens_for); a row not yet
rewritten has no " | " and its whole text serves as head, which is still correct. The
whole text's GIN index moves to portal_search_vector(search_tokens) (see VECTOR_FUNCTION).
SQLite migrates without any of it (its search ranks by token occurrences).
"""

from __future__ import annotations

from django.db import migrations

TABLES = ("portal_need", "portal_result", "portal_expert")
KINDS = {
    "Need": ("title", ("description",)),
    "Result": ("title", ("summary", "team", "institution_name")),
    "Expert": ("name", ("institution_name", "biography", "representative_results")),
}
HEAD = "to_tsvector('simple'::regconfig, split_part(' ' || COALESCE(search_tokens, ''), ' | ', 1))"


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


# The whole text's vector, as a function the planner knows to be dear: to_tsvector over
# Han text costs about 1 ms a row here, but its declared cost made the planner prefer
# scanning the table and recomputing it per row (5 s for a capped count of 技术) over the
# GIN index. PL/pgSQL, so it is not inlined back into to_tsvector and keeps its cost.
# PARALLEL UNSAFE although it is safe: every search query calls it, and a search reads a few
# hundred rows at most, where starting parallel workers cost more than they saved (the count
# and the title tier of 技术 took 60-120 ms each with two workers, 10-15 ms without).
VECTOR_FUNCTION = """
CREATE OR REPLACE FUNCTION portal_search_vector(tokens text) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE PARALLEL UNSAFE COST 1000 AS $$
BEGIN
    RETURN to_tsvector('simple'::regconfig, COALESCE(tokens, ''));
END
$$
"""


def add_head(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(VECTOR_FUNCTION)
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_gin")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_vector_gin ON {table} "
            "USING gin (portal_search_vector(search_tokens))"
        )
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS search_head tsvector "
            f"GENERATED ALWAYS AS ({HEAD}) STORED"
        )
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_head_gin ON {table} USING gin (search_head)"
        )


def drop_head(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_head")
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_vector_gin")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_search_gin ON {table} USING gin "
            "(to_tsvector('simple'::regconfig, COALESCE(search_tokens, '')))"
        )
    schema_editor.execute("DROP FUNCTION IF EXISTS portal_search_vector(text)")


class Migration(migrations.Migration):
    dependencies = [("portal", "0005_search_character_grams")]

    operations = [
        migrations.RunPython(rewrite, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(add_head, drop_head, elidable=False),
    ]
