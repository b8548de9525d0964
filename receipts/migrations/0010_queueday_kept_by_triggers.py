"""The print queue counted per recording day, kept exact by triggers on receipts_receipt.

PostgreSQL: statement-level triggers with transition tables, so a print run moving 20,000
receipts or an import COPYing 100,000 makes one grouped upsert, not one per row; the upsert
goes through the days in order, so two writers lock the day rows in the same order. SQLite
(tests, `make run`): row-level triggers. Days are UTC dates of ``recorded_at``: the same on
both backends without time-zone tables in SQLite.
"""

from django.db import migrations, models

_PG_DELTA = """
    INSERT INTO receipts_queueday AS q (day, recorded)
    SELECT day, sum(n) FROM ({rows}) AS d
    GROUP BY day HAVING sum(n) <> 0 ORDER BY day
    ON CONFLICT (day) DO UPDATE SET recorded = q.recorded + EXCLUDED.recorded;
"""
_PG_NEW = "SELECT (recorded_at AT TIME ZONE 'UTC')::date AS day, 1 AS n FROM new_rows WHERE status = 'recorded'"
_PG_OLD = "SELECT (recorded_at AT TIME ZONE 'UTC')::date AS day, -1 AS n FROM old_rows WHERE status = 'recorded'"

_PG_FUNCTIONS = {
    "insert": _PG_DELTA.format(rows=_PG_NEW),
    "update": _PG_DELTA.format(rows=f"{_PG_NEW} UNION ALL {_PG_OLD}"),
    "delete": _PG_DELTA.format(rows=_PG_OLD),
}
_PG_REFERENCING = {
    "insert": "NEW TABLE AS new_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
}

_SQLITE_TRIGGERS = [
    """CREATE TRIGGER receipts_queueday_insert AFTER INSERT ON receipts_receipt
    WHEN NEW.status = 'recorded'
    BEGIN
        INSERT INTO receipts_queueday (day, recorded) VALUES (date(NEW.recorded_at), 1)
        ON CONFLICT (day) DO UPDATE SET recorded = recorded + 1;
    END""",
    """CREATE TRIGGER receipts_queueday_update AFTER UPDATE OF status, recorded_at
    ON receipts_receipt
    WHEN OLD.status = 'recorded' OR NEW.status = 'recorded'
    BEGIN
        UPDATE receipts_queueday SET recorded = recorded - 1
        WHERE OLD.status = 'recorded' AND day = date(OLD.recorded_at);
        INSERT INTO receipts_queueday (day, recorded)
        SELECT date(NEW.recorded_at), 1 WHERE NEW.status = 'recorded'
        ON CONFLICT (day) DO UPDATE SET recorded = recorded + 1;
    END""",
    """CREATE TRIGGER receipts_queueday_delete AFTER DELETE ON receipts_receipt
    WHEN OLD.status = 'recorded'
    BEGIN
        UPDATE receipts_queueday SET recorded = recorded - 1 WHERE day = date(OLD.recorded_at);
    END""",
]

_FILL = {
    "postgresql": "INSERT INTO receipts_queueday (day, recorded) "
    "SELECT (recorded_at AT TIME ZONE 'UTC')::date, count(*) FROM receipts_receipt "
    "WHERE status = 'recorded' GROUP BY 1",
    "sqlite": "INSERT INTO receipts_queueday (day, recorded) "
    "SELECT date(recorded_at), count(*) FROM receipts_receipt "
    "WHERE status = 'recorded' GROUP BY 1",
}


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for op, body in _PG_FUNCTIONS.items():
            schema_editor.execute(
                f"CREATE FUNCTION receipts_queueday_after_{op}() RETURNS trigger "
                f"LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$"
            )
            schema_editor.execute(
                f"CREATE TRIGGER receipts_queueday_{op} AFTER {op.upper()} ON receipts_receipt "
                f"REFERENCING {_PG_REFERENCING[op]} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION receipts_queueday_after_{op}()"
            )
    elif vendor == "sqlite":
        for sql in _SQLITE_TRIGGERS:
            schema_editor.execute(sql)
    else:
        raise NotImplementedError(f"receipts_queueday triggers for {vendor}")
    schema_editor.execute(_FILL[vendor])


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for op in ("insert", "update", "delete"):
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER receipts_queueday_{op} ON receipts_receipt")
            schema_editor.execute(f"DROP FUNCTION receipts_queueday_after_{op}()")
        else:
            schema_editor.execute(f"DROP TRIGGER receipts_queueday_{op}")


class Migration(migrations.Migration):
    dependencies = [
        ("receipts", "0009_import_jobs"),
    ]

    operations = [
        migrations.CreateModel(
            name="QueueDay",
            fields=[
                (
                    "day",
                    models.DateField(
                        primary_key=True, serialize=False, verbose_name="tanggal rekam (UTC)"
                    ),
                ),
                ("recorded", models.IntegerField(default=0, verbose_name="resi menunggu cetak")),
            ],
            options={
                "verbose_name": "antrean cetak per hari",
                "verbose_name_plural": "antrean cetak per hari",
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
