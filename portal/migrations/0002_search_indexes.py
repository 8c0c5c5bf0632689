"""GIN expression indexes for Chinese full-text search on PostgreSQL only.

The expression matches what portal.search builds with SearchVector("search_tokens",
config="simple"), so the planner uses the index. SQLite migrates without them (the search
falls back to token overlap there).
"""

from django.db import migrations

TABLES = ("portal_need", "portal_result", "portal_expert")


def _expression() -> str:
    return "to_tsvector('simple'::regconfig, COALESCE(search_tokens, ''))"


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_search_gin ON {table} USING gin ({_expression()})"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_gin")


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
