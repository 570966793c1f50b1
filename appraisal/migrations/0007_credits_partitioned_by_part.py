"""Credit partitioned by RANGE of (run_id, client_id) on PostgreSQL (appraisal.partitions); one
plain table on SQLite.

The rows are moved into the new table, one partition per run (all its clients). The key becomes
(id, run_id, client_id), the ids coming from one sequence; the (run, employee) index stays.
"""

from django.db import migrations

from appraisal import partitions

TABLE = partitions.PARENT
OLD = f"{TABLE}_moving"
INDEX = "credit_run_employee"


def move(schema_editor, *, partitioned):
    """Re-create the table, partitioned or not, with its rows, key and index."""
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
    run(f"ALTER TABLE {OLD} RENAME CONSTRAINT {TABLE}_pkey TO {OLD}_pkey")
    run(f"ALTER INDEX {INDEX} RENAME TO {OLD}_run_employee")
    run(f"CREATE SEQUENCE IF NOT EXISTS {partitions.IDS}")
    if partitioned:
        run(
            f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING CONSTRAINTS, PRIMARY KEY (id, run_id, client_id)) "
            "PARTITION BY RANGE (run_id, client_id)"
        )
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT run_id FROM {OLD} ORDER BY run_id")
            for (run_id,) in cursor.fetchall():
                run(
                    f"CREATE TABLE {partitions.name(run_id, 0)} PARTITION OF {TABLE} "
                    f"FOR VALUES FROM ({run_id}, MINVALUE) TO ({run_id}, MAXVALUE)"
                )
    else:
        run(f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING CONSTRAINTS, PRIMARY KEY (id))")
    run(f"ALTER TABLE {TABLE} ALTER COLUMN id SET DEFAULT nextval('{partitions.IDS}')")
    run(f"ALTER SEQUENCE {partitions.IDS} OWNED BY {TABLE}.id")
    run(f"CREATE INDEX {INDEX} ON {TABLE} (run_id, employee_id)")
    run(f"INSERT INTO {TABLE} SELECT * FROM {OLD} ORDER BY run_id, employee_id")
    run(f"SELECT setval('{partitions.IDS}', coalesce(max(id), 0) + 1, false) FROM {TABLE}")
    run(f"DROP TABLE {OLD}")


def forwards(apps, schema_editor):
    move(schema_editor, partitioned=True)


def backwards(apps, schema_editor):
    move(schema_editor, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [("appraisal", "0006_credits_a_quarter_a_row")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
