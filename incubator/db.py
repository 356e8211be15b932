"""Database helpers shared by the apps."""

from django.db import connections
from django.db.models import NOT_PROVIDED, Model, QuerySet
from django.db.models.constants import OnConflict


def insert_from_select(*, model: type[Model], values: dict, source: QuerySet, returning: bool = False) -> list:
    """`INSERT INTO <model> (<fields>) SELECT <values> FROM <source>`, skipping rows that would
    break a unique constraint (as `bulk_create(ignore_conflicts=True)` does), in one statement.

    `values` maps the model's field names to expressions over `source`'s rows; every field
    that is not nullable must be given. With `returning`, the primary keys of the rows that
    were inserted (not the skipped ones). The rows never pass through Python, so it costs
    the same for a thousand rows as for one.
    """
    meta = model._meta
    fields = [meta.get_field(name) for name in values]
    given = {field.name for field in fields}
    missing = [
        field.name
        for field in meta.concrete_fields
        if not field.primary_key and not field.null and field.name not in given and field.db_default is NOT_PROVIDED
    ]
    if missing:
        raise ValueError(f"insert_from_select({meta.label}) needs values for {', '.join(missing)}.")
    names = [f"insert_{index}" for index in range(len(fields))]
    query = source.order_by().annotate(**dict(zip(names, values.values(), strict=True))).values_list(*names).query
    db = source.db
    target = connections[db]
    select_sql, params = query.get_compiler(using=db).as_sql()
    ops = target.ops
    columns = ", ".join(ops.quote_name(field.column) for field in fields)
    insert = ops.insert_statement(on_conflict=OnConflict.IGNORE)
    sql = f"{insert} {ops.quote_name(meta.db_table)} ({columns}) {select_sql}"
    suffix = ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None)
    if suffix:
        sql += f" {suffix}"
    params = tuple(params)
    if returning:
        returning_sql, returning_params = ops.return_insert_columns([meta.pk])
        sql += f" {returning_sql}"
        params += tuple(returning_params)
    with target.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()] if returning else []


def insert_returning_pk(obj: Model, *, ignore_conflicts: bool = True) -> int | None:
    """`INSERT ... ON CONFLICT DO NOTHING RETURNING <pk>` for one unsaved object, in one statement
    and without a savepoint: the new primary key (also set on `obj`), or None when a unique
    constraint already holds a row like it (the existing row stands)."""
    from django.db import router
    from django.db.models.sql import InsertQuery

    meta = obj._meta
    db = router.db_for_write(type(obj))
    fields = [field for field in meta.local_concrete_fields if not field.primary_key or field.has_default()]
    query = InsertQuery(type(obj), on_conflict=OnConflict.IGNORE if ignore_conflicts else None)
    query.insert_values(fields, [obj], raw=False)
    compiler = query.get_compiler(using=db)
    compiler.returning_fields = [meta.pk]
    [(sql, params)] = compiler.as_sql()
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = db
    return obj.pk
