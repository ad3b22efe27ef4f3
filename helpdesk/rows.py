"""Inserting model rows on the hot paths (a new ticket, the sweep's records) without the ORM's
per-call SQL compilation: the statement text of each (model, row count, columns) is built once
per process; each call only prepares the values (the fields' own `pre_save` and
`get_db_prep_save`, as `save()` and `bulk_create()` do) and executes.

What `insert_rows` does not do that `Model.save()` does: send `pre_save`/`post_save` signals
(none is connected to the models it is used for; `bulk_create` sends none either) and run
`save()` overrides (none of them has one). The rows' ids come back with RETURNING in the order
of the rows, as `bulk_create` relies on (PostgreSQL, SQLite >= 3.35).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.operations import BaseDatabaseOperations


@lru_cache(maxsize=256)
def _statement(model: type[models.Model], rows: int, with_pk: bool, suffix: str, vendor: str) -> tuple[str, tuple]:
    meta, qn = model._meta, _db().ops.quote_name
    fields = tuple(f for f in meta.concrete_fields if with_pk or not f.primary_key)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
           f"VALUES {', '.join([row] * rows)}{suffix}")
    return sql, fields


def insert_sql(model: type[models.Model], rows: int, *, with_pk: bool = False,
               suffix: str = "") -> tuple[str, tuple]:
    """(statement, fields) of an INSERT of `rows` rows of `model`, every concrete field (the
    primary key too if `with_pk`), `suffix` appended (ON CONFLICT ..., RETURNING ...)."""
    return _statement(model, rows, with_pk, suffix, _db().vendor)


def _db():
    """The connection itself, not the `django.db.connection` proxy (whose every attribute goes
    through a context-local lookup: a dozen per value prepared)."""
    return connections[DEFAULT_DB_ALIAS]


def row_params(objs: Sequence[models.Model], fields: tuple) -> list:
    """The parameters of `objs` for `fields`, prepared as the ORM prepares them for an insert
    (auto_now_add and auto_now fields are set on the instances; a related object assigned
    before it was saved gives its id now, or the call fails, as in `bulk_create`)."""
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert_rows")
    db = _db()
    plan = _plan(fields, db.vendor)
    params = []
    append = params.append
    for obj in objs:
        values = obj.__dict__
        for field, attname, kind, convert, none_passes in plan:
            if kind is not None or none_passes:
                value = values[attname]
                if value is None:
                    if none_passes:
                        append(None)
                        continue
                elif type(value) is kind:  # what the field's own preparation gives for it
                    append(value if convert is None else convert(value))
                    continue
            append(field.get_db_prep_save(field.pre_save(obj, True), db))
    return params


# Values whose preparation is known without calling the field (the same result, field by field:
# tests/tickets/test_rows.py): text in text fields, flags, integers in integer fields and keys
# (wrapped as psycopg 3's own preparation wraps them on PostgreSQL), and None in the fields that
# prepare None as None. Anything else (JSON, dates, decimals, a subclass of these fields, a value
# of another type, an auto_now field) goes through the field's own pre_save and preparation.
_TEXT_AND_FLAGS = {models.CharField: str, models.TextField: str, models.BooleanField: bool}
_INTEGERS = {models.IntegerField, models.BigIntegerField, models.SmallIntegerField, models.PositiveIntegerField,
             models.PositiveSmallIntegerField, models.PositiveBigIntegerField}
_AUTO = {models.AutoField, models.BigAutoField, models.SmallAutoField}
_NONE_PASSES = {*_TEXT_AND_FLAGS, *_INTEGERS, *_AUTO, models.DateTimeField, models.DateField, models.DurationField}


@lru_cache(maxsize=256)
def _plan(fields: tuple, vendor: str) -> tuple:
    """(field, attname, type whose values need no call to the field or None, the conversion of
    such a value or None, whether None passes as None) for each of `fields`; a foreign key goes
    by the field it points to."""
    ops = _db().ops
    checks_keys = type(ops).validate_autopk_value is not BaseDatabaseOperations.validate_autopk_value
    wraps_integers = type(ops).adapt_integerfield_value is not BaseDatabaseOperations.adapt_integerfield_value
    integer_types = getattr(ops, "integerfield_type_map", None) if wraps_integers else None

    def entry(field):
        target = field
        while type(target) in (models.ForeignKey, models.OneToOneField):
            target = target.target_field
        kind, convert = type(target), None
        if kind in _TEXT_AND_FLAGS:
            value_type = _TEXT_AND_FLAGS[kind] if target is field else None
        elif kind in _AUTO:
            value_type = None if checks_keys else int
        elif kind in _INTEGERS:
            convert = integer_types.get(target.get_internal_type()) if integer_types is not None else None
            value_type = int if (convert is not None or not wraps_integers) else None
        else:
            value_type = None
        auto_now = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        none_passes = kind in _NONE_PASSES and not auto_now and (target is field or kind in _AUTO or value_type)
        return field, field.attname, value_type, convert, bool(none_passes)

    return tuple(entry(field) for field in fields)


def mark_saved(obj: models.Model) -> None:
    obj._state.adding, obj._state.db = False, DEFAULT_DB_ALIAS


def insert_rows(objs: Sequence[models.Model]) -> list[models.Model]:
    """Insert unsaved instances of one model in one statement; sets their ids (unless each
    already has its primary key, e.g. a one-to-one key) and returns them."""
    if not objs:
        return []
    db = _db()
    objs, model, with_pk, suffix, fields = _insert_plan(objs, db)
    # The database's parameter limit (SQLite's 999; PostgreSQL's protocol allows 65,535 a statement).
    size = max(1, min(db.ops.bulk_batch_size(fields, objs), 65535 // len(fields)))
    with db.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start:start + size]
            sql, _fields = insert_sql(model, len(chunk), with_pk=with_pk, suffix=suffix)
            cursor.execute(sql, row_params(chunk, fields))
            if not with_pk:
                for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                    obj.pk = pk
    for obj in objs:
        mark_saved(obj)
    return list(objs)


def _insert_plan(objs: Sequence[models.Model], db) -> tuple:
    """(objs, model, with_pk, suffix, fields) of an insert of `objs`, one model: the rows'
    own primary keys if they have them, else RETURNING the new ids."""
    model = type(objs[0])
    with_pk = objs[0].pk is not None
    suffix = "" if with_pk else f" RETURNING {db.ops.quote_name(model._meta.pk.column)}"
    return objs, model, with_pk, suffix, insert_sql(model, 1, with_pk=with_pk, suffix=suffix)[1]


def insert_rows_together(groups: Sequence[Sequence[models.Model]]) -> None:
    """`insert_rows` for several models at once (a new ticket's SLA row and its clocks): on
    PostgreSQL, through psycopg's client-side binding, the INSERTs go as one query of several
    statements, one round trip; each group's ids come from its own result. Elsewhere, or for a
    group that the parameter limit would split, one `insert_rows` per group."""
    groups = [list(group) for group in groups if group]
    db = _db()
    plans = [_insert_plan(objs, db) for objs in groups]
    total = sum(len(objs) * len(fields) for objs, _m, _w, _s, fields in plans)
    if not several_statements_per_query(db) or total > 65535 or any(
            len(objs) > db.ops.bulk_batch_size(fields, objs) for objs, _m, _w, _s, fields in plans):
        for objs in groups:
            insert_rows(objs)
        return
    sql = "; ".join(insert_sql(model, len(objs), with_pk=with_pk, suffix=suffix)[0]
                    for objs, model, with_pk, suffix, _f in plans)
    params = [value for objs, _m, _w, _s, fields in plans for value in row_params(objs, fields)]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        for number, (objs, _m, with_pk, _s, _f) in enumerate(plans):
            if number:
                cursor.nextset()
            if not with_pk:
                for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                    obj.pk = pk
    for objs in groups:
        for obj in objs:
            mark_saved(obj)


def several_statements_per_query(db=None) -> bool:
    """Whether one execute may carry several statements: PostgreSQL with client-side binding
    (Django's default for psycopg 3; `server_side_binding` would send each separately)."""
    db = db or _db()
    return db.vendor == "postgresql" and not db.settings_dict.get("OPTIONS", {}).get("server_side_binding")


def insert_row_unless_taken(obj: models.Model, unique: tuple[str, ...]) -> bool:
    """Insert one unsaved row unless another row already holds its value of the unique field(s)
    `unique` (INSERT ... ON CONFLICT DO NOTHING: no savepoint, and the transaction stays usable);
    True if inserted (its id set), False if the value was taken."""
    db, meta = _db(), type(obj)._meta
    qn = db.ops.quote_name
    target = ", ".join(qn(meta.get_field(name).column) for name in unique)
    sql, fields = insert_sql(type(obj), 1, suffix=f" ON CONFLICT ({target}) DO NOTHING RETURNING {qn(meta.pk.column)}")
    with db.cursor() as cursor:
        cursor.execute(sql, row_params([obj], fields))
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk = row[0]
    mark_saved(obj)
    return True
