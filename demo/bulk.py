"""Wholesale inserts for the demo data set: raw multi-row INSERTs that skip the ORM's per-value
work, consecutive primary keys given before the insert, and sequences moved past them after.

Only for ``seed_demo``'s build on empty tables inside one transaction (``demo.seeding``).
"""

import datetime
from types import SimpleNamespace

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max


class Plain(SimpleNamespace):
    """A row being built: attribute names as the model's ``attname``s, without the ORM's cost."""


def number_from(model, objs) -> None:
    """Give unsaved objects consecutive primary keys after the table's highest one.

    The seed runs on empty tables in one transaction, so nobody else takes these ids; the
    sequences are moved past them afterwards (``reset_sequences``).
    """
    start = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    for pk, obj in enumerate(objs, start=start):
        obj.id = pk


def reset_sequences(*models) -> None:
    sql = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(statement)


def _adapter(field):
    """A fast value adapter for raw inserts (the ORM's per-value preparation is the slow part)."""
    if connection.vendor != "sqlite":
        return None  # psycopg2 adapts dates and aware datetimes itself
    if isinstance(field, models.DateTimeField):
        # Django stores SQLite datetimes as naive UTC text.
        return lambda v: None if v is None else str(v.astimezone(datetime.UTC).replace(tzinfo=None))
    if isinstance(field, models.DateField):
        return lambda v: None if v is None else v.isoformat()
    return None


def insert(model, objs, names) -> None:
    fields = [model._meta.get_field(name) for name in names]
    attnames = [f.attname for f in fields]
    insert_tuples(model, names, ([getattr(obj, a) for a in attnames] for obj in objs), adapt=True)


def insert_tuples(model, names, rows, adapt=True) -> None:
    """INSERT many rows with one statement per page, bypassing the ORM's per-value work.

    Only for seed_demo's wholesale build: values are plain Python values of the right type.
    """
    fields = [model._meta.get_field(name) for name in names]
    adapters = [_adapter(f) for f in fields] if adapt else [None] * len(fields)
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    # Table and column names come from the models, never from input.
    head = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES "  # noqa: S608
    if any(adapters):
        rows = (tuple(a(v) if a else v for a, v in zip(adapters, row, strict=True)) for row in rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            execute_values(cursor.cursor, head + "%s", rows, page_size=5000)
        else:
            placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
            rows = list(rows)
            for start in range(0, len(rows), 20000):
                cursor.executemany(head + placeholders, rows[start : start + 20000])
