"""Indexes for the issue's size (100,000 questions, 1,000,000 posts): the "new" sort of a
category, a member's answers, full-text question search on PostgreSQL, and the all-time
per-category leaderboard as `PeriodPoints` rows (replacing the sum over forum_rep_category)."""

from typing import Any

from django.db import migrations, models

# The expression forum.selectors.FTS_DOCUMENT repeats: PostgreSQL uses the index only for
# the same expression. 'simple': no stemming or stop words (questions mix languages and
# token names like "usdt", "trc20"); prefix queries stand in for stemming.
FTS_INDEX = (
    "CREATE INDEX IF NOT EXISTS forum_question_fts ON forum_question USING gin "
    "(to_tsvector('simple'::regconfig, title || ' ' || body)) WHERE status = 'published'"
)


def create_fts(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FTS_INDEX)


def drop_fts(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS forum_question_fts")


def backfill_all_time(apps: Any, schema_editor: Any) -> None:
    """All-time points per category from the entries (once: kind "a" rows are new)."""
    PeriodPoints = apps.get_model("forum", "PeriodPoints")
    ReputationEntry = apps.get_model("forum", "ReputationEntry")
    if PeriodPoints.objects.filter(kind="a").exists():
        return
    totals = (
        ReputationEntry.objects.filter(category__isnull=False)
        .values("account_id", "member_id", "category_id")
        .annotate(total=models.Sum("points"))
        .order_by()
    )
    PeriodPoints.objects.bulk_create(
        (
            PeriodPoints(
                account_id=row["account_id"],
                member_id=row["member_id"],
                kind="a",
                start="1970-01-01",
                scope=row["category_id"],
                points=row["total"],
            )
            for row in totals.iterator(chunk_size=2000)
        ),
        batch_size=2000,
    )


def drop_all_time(apps: Any, schema_editor: Any) -> None:
    apps.get_model("forum", "PeriodPoints").objects.filter(kind="a").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0002_edits_and_preferences"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="reputationentry",
            name="forum_rep_category",
        ),
        migrations.AddIndex(
            model_name="answer",
            index=models.Index(
                fields=["author", "status", "-created_at"], name="forum_answer_member"
            ),
        ),
        migrations.AddIndex(
            model_name="question",
            index=models.Index(
                fields=["category", "status", "-created_at"], name="forum_q_category_new"
            ),
        ),
        migrations.RunPython(create_fts, drop_fts, elidable=False),
        migrations.RunPython(backfill_all_time, drop_all_time, elidable=False),
    ]
