"""`field__any=[…]`: membership in a list, sent to PostgreSQL as one array parameter.

`field__in=[a, b]` becomes `field IN (%s, %s)`. With prepared statements that is a different
statement for every length of the list, and inside a generic plan PostgreSQL builds the array
`ARRAY[$1, $2]` again for every row it tests: counting a busy inbox (100,000 rows) took 20 ms
with the permission lists written that way and 15 ms with `field = ANY(%s)` and one array.
Other databases get the ordinary `IN (…)`.
"""

from __future__ import annotations

import enum

from django.db.models import Field, ForeignObject
from django.db.models.expressions import ColPairs
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


class _ArrayParameter:
    def _plain_values(self) -> bool:
        """A list of plain values on one column (not a subquery, expressions or a composite
        key, which keep `IN`)."""
        return (
            self.rhs_is_direct_value()
            and isinstance(self.rhs, list | tuple | set)
            and not self.bilateral_transforms
            and not isinstance(self.lhs, ColPairs)
            and not any(hasattr(v, "resolve_expression") for v in self.rhs)
        )

    def as_postgresql(self, compiler, connection):
        if not self._plain_values():
            return self.as_sql(compiler, connection)
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        _rhs_sql, rhs_params = self.process_rhs(compiler, connection)  # drops None; [] raises
        values = [v.value if isinstance(v, enum.Enum) else v for v in rhs_params]
        return f"{lhs_sql} = ANY(%s)", (*lhs_params, values)


@Field.register_lookup
class AnyOf(_ArrayParameter, In):
    lookup_name = "any"


@ForeignObject.register_lookup
class RelatedAnyOf(_ArrayParameter, RelatedIn):
    lookup_name = "any"
