"""The statements of a restore, per training table (``reset.restore`` runs them).

Which rows belong to a restored customer ``C`` in a training table ``T`` (gold copy
``T_GOLD``), decided by the project (docs/reset.md, *Restore some customers*):

* a table with a customer column (``customer_scope.column``): every row of ``T`` whose
  customer column is ``C`` (the trainees' own and the ones they added), and every row of
  ``T`` whose primary key a gold row of ``C`` holds (a row a trainee moved to another
  customer would otherwise block the gold row's insert);
* a child table (``through_table``, e.g. the auths of an order): every row of ``T``
  whose parent row in the training parent table belongs to ``C`` (auths of orders the
  trainees added), or whose parent row in the parent's gold copy does, and every row
  whose primary key a gold child row of ``C`` holds.

Those rows are deleted, children before parents (a child is found through the training
parent row before that row goes), and then ``C``'s gold rows are inserted. Every
statement reaches its table through an index: the customer column leads the primary key
or has an index (``IX_IMS_ORDER_CUSTOMER``), a child's join column has one
(``IX_IMS_AUTH_ORDER``), a key match is a primary-key lookup; the benchmark checks the
plans (``bench/restore.py``). The customer numbers are bound parameters (``%s``), never
text of the statement; identifiers come from the validated table configuration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from training_refresh.adapters.mysql import quote_identifier as q
from training_refresh.table_groups import GOLD_SUFFIX, TableSpec


@dataclass(frozen=True)
class Statement:
    table: str
    """The training table it changes."""
    kind: str
    """``delete`` or ``insert``."""
    sql: str
    """With one ``{customers}`` slot for the ``%s, %s, ...`` of the customer numbers."""

    def bound(self, customers: Sequence[int]) -> tuple[str, list[int]]:
        """The statement for ``customers`` and its parameters."""
        slots = ", ".join(["%s"] * len(customers))
        text = self.sql.replace("{customers}", slots)
        count = self.sql.count("{customers}")
        return text, [number for _ in range(count) for number in customers]


def _key_match(spec: TableSpec, left: str, right: str) -> str:
    return " AND ".join(
        f"{left}.{q(column.upper())} = {right}.{q(column.upper())}" for column in spec.primary_key
    )


def _delete_statements(spec: TableSpec) -> list[Statement]:
    table, gold = q(spec.training_table), q(spec.gold_table)
    scope = spec.customer_scope
    customer = q(scope.column.upper())
    if scope.through_table is None or scope.join_column is None:
        statements = [
            f"DELETE FROM {table} WHERE {customer} IN ({{customers}})",
        ]
        if scope.column not in spec.primary_key:
            statements.append(
                f"DELETE t FROM {table} AS t JOIN {gold} AS g ON {_key_match(spec, 't', 'g')} "
                f"WHERE g.{customer} IN ({{customers}})"
            )
        return [Statement(spec.training_table, "delete", sql) for sql in statements]
    parent, parent_gold = q(scope.through_table), q(scope.through_table + GOLD_SUFFIX)
    join = q(scope.join_column.upper())
    statements = [
        f"DELETE c FROM {table} AS c JOIN {parent} AS p ON p.{join} = c.{join} "
        f"WHERE p.{customer} IN ({{customers}})",
        f"DELETE c FROM {table} AS c JOIN {parent_gold} AS p ON p.{join} = c.{join} "
        f"WHERE p.{customer} IN ({{customers}})",
    ]
    if scope.join_column not in spec.primary_key:
        statements.append(
            f"DELETE c FROM {table} AS c JOIN {gold} AS g ON {_key_match(spec, 'c', 'g')} "
            f"JOIN {parent_gold} AS p ON p.{join} = g.{join} WHERE p.{customer} IN ({{customers}})"
        )
    return [Statement(spec.training_table, "delete", sql) for sql in statements]


def _insert_statement(spec: TableSpec) -> Statement:
    table, gold = q(spec.training_table), q(spec.gold_table)
    columns = ", ".join(q(column) for column in spec.mysql_columns)
    selected = ", ".join(f"g.{q(column)}" for column in spec.mysql_columns)
    scope = spec.customer_scope
    customer = q(scope.column.upper())
    if scope.through_table is None or scope.join_column is None:
        source = f"{gold} AS g WHERE g.{customer} IN ({{customers}})"
    else:
        parent_gold = q(scope.through_table + GOLD_SUFFIX)
        join = q(scope.join_column.upper())
        source = (
            f"{gold} AS g JOIN {parent_gold} AS p ON p.{join} = g.{join} "
            f"WHERE p.{customer} IN ({{customers}})"
        )
    sql = f"INSERT INTO {table} ({columns}) SELECT {selected} FROM {source}"
    return Statement(spec.training_table, "insert", sql)


def restore_statements(specs: Sequence[TableSpec]) -> list[Statement]:
    """Every statement of a restore of ``specs``, in the order they must run: the deletes
    of child tables, then of the other tables, then the inserts, parents first."""
    children = [spec for spec in specs if spec.customer_scope.through_table is not None]
    direct = [spec for spec in specs if spec.customer_scope.through_table is None]
    deletes = [s for spec in [*children, *direct] for s in _delete_statements(spec)]
    return [*deletes, *(_insert_statement(spec) for spec in [*direct, *children])]
