"""Database helpers shared by apps' migrations."""

from django.db import migrations


class VendorSQL(migrations.RunSQL):
    """RunSQL with one statement list per database vendor; other vendors do nothing.

    Used for constraints Django cannot express on every backend: an exclusion constraint
    on PostgreSQL and its equivalent trigger on SQLite.
    """

    def __init__(self, forward: dict[str, list[str]], backward: dict[str, list[str]]):
        self.forward = forward
        self.backward = backward
        super().__init__(sql=migrations.RunSQL.noop, reverse_sql=migrations.RunSQL.noop)

    def deconstruct(self):
        return (
            self.__class__.__qualname__,
            [],
            {"forward": self.forward, "backward": self.backward},
        )

    def _run(self, schema_editor, statements: dict[str, list[str]]) -> None:
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, self.forward)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, self.backward)

    def describe(self):
        return "Vendor-specific SQL"
