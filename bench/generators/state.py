"""What the load generator's row builders share: the plan, one random stream (every draw in a
fixed order, so a seed gives the same data), the clock, id and counter allocation and the
documents' audit chains. `LoadGenerator` (bench.generators.letters) sets it up."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from workflows.hashing import row_hash

if TYPE_CHECKING:
    from bench.generators.letters import Plan


def pick(rng: random.Random, weighted: list[tuple]) -> object:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


class GeneratorState:
    """The attributes `LoadGenerator.__init__` and `letters` set, and the bookkeeping on them."""

    plan: Plan
    log: Callable[[str], None]
    rng: random.Random
    now: dt.datetime
    password: str  # the benchmark password, hashed once
    counters: dict[tuple[int, str], int]  # (tenant id, numbering key) -> last number given
    stats: dict[str, int]
    ct: dict[type, int]  # model -> content type id
    view_letter: int  # the view_letter permission's id
    ids: dict[type, int]  # model -> next id to give
    busy_share: float  # chance that a letter also goes to the busy inbox

    def _take(self, model) -> int:
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    def _count(self, tenant_id: int, key: str) -> int:
        self.counters[(tenant_id, key)] += 1
        return self.counters[(tenant_id, key)]

    def _chain(self, rows: dict, tenant_id: int, model, object_id: int):
        """Append rows to one document's hash chain, as `workflows.services.transition_log`."""
        prev = [""]
        ct = self.ct[model]

        def log(action, source, target, actor, position, when, note=""):
            fields = {
                "tenant": tenant_id,
                "content_type": ct,
                "object_id": object_id,
                "action": action,
                "source": str(source),
                "target": str(target),
                "actor": actor,
                "acting_position": position,
                "on_behalf_of": None,
                "note": note,
                "created_at": when.isoformat(),
            }
            digest = row_hash(prev[0], fields)
            rows["log"].append(
                (
                    tenant_id,
                    ct,
                    object_id,
                    action,
                    str(source),
                    str(target),
                    actor,
                    position,
                    None,
                    note,
                    when,
                    prev[0],
                    digest,
                )
            )
            prev[0] = digest

        return log
