"""What happens to a sent letter in the recipients' units: a recipient and a delivery with its
agenda number per unit, read and done as time passes, and dispositions from the unit's head
down two levels, each with its audit chain."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from bench.generators.people import TenantWorld
from bench.generators.state import GeneratorState
from correspondence import numbering
from correspondence.choices import DeliveryState, DispositionState, RecipientKind, RecipientScope
from correspondence.models import Delivery, Disposition, Recipient
from workflows.choices import SecurityLevel

if TYPE_CHECKING:  # mail imports this module (Mail builds on Inbox); Draft is for annotations
    from bench.generators.mail import Draft

# How far a delivery got by its roll: (roll below, state), else DELIVERED; settled for letters
# over 30 days old, recent otherwise.
SETTLED = ((0.7, DeliveryState.DONE), (0.8, DeliveryState.IN_PROGRESS), (0.95, DeliveryState.READ))
RECENT = ((0.25, DeliveryState.DONE), (0.45, DeliveryState.IN_PROGRESS), (0.75, DeliveryState.READ))


class Inbox(GeneratorState):
    """Deliveries and dispositions of sent letters."""

    def _recipient_units(self, world: TenantWorld, sender: int) -> list[int]:
        rng = self.rng
        r = rng.random()
        k = (
            1
            if r < 0.6
            else rng.randint(2, 3)
            if r < 0.9
            else rng.randint(5, 10)
            if r < 0.98
            else 20
        )
        pool = world.signing_units
        chosen = set(rng.sample(pool, min(k, len(pool))))
        chosen.discard(sender)
        if world.busy_unit is not None:
            chosen.discard(world.busy_unit)
            if rng.random() < self.busy_share and sender != world.busy_unit:
                chosen.add(world.busy_unit)
        if not chosen:
            chosen.add(next(u for u in pool if u != sender))
        return sorted(chosen)

    def _deliveries(self, world: TenantWorld, rows: dict, draft: Draft) -> None:
        for order, unit_id in enumerate(self._recipient_units(world, draft.unit_id)):
            self._delivery(world, rows, draft, order, unit_id)

    def _delivery(self, world: TenantWorld, rows: dict, draft: Draft, order: int, unit_id: int):
        """Address one unit (the first two as To, the rest Cc) and deliver it there."""
        tenant_id = world.tenant.pk
        kind = RecipientKind.TO if order < 2 else RecipientKind.CC
        rid = self._take(Recipient)
        rows["recipient"].append((rid, draft.id, kind, RecipientScope.INTERNAL, unit_id, order))
        post = world.heads[unit_id].pk  # the unit head's position: it reads the unit's mail
        holder = world.position_user.get(post)
        local = draft.sent_at.astimezone(world.zone).date()
        seq = self._count(tenant_id, numbering.agenda_key(unit_id=unit_id, year=local.year))
        state = self._delivery_state(kind, (self.now - draft.sent_at).days)
        read_at, done_at = self._delivery_times(state, draft.sent_at)
        did = self._take(Delivery)
        confidential = draft.security in SecurityLevel.confidential()
        rows["delivery"].append(
            (
                did,
                tenant_id,
                draft.id,
                rid,
                unit_id,
                post if confidential else None,
                kind,
                draft.security,
                draft.urgency,
                state,
                local.year,
                seq,
                f"{seq}/{world.units[unit_id].code}/{local.year}",
                draft.sent_at,
                read_at,
                holder if read_at else None,
                done_at,
            )
        )
        self.stats["deliveries"] += 1
        if unit_id == world.busy_unit:
            self.stats["busy_deliveries"] += 1
        log = self._chain(rows, tenant_id, Delivery, did)
        log("delivery.delivered", "", DeliveryState.DELIVERED, draft.signer, None, draft.sent_at)
        if read_at:
            log("delivery.read", DeliveryState.DELIVERED, DeliveryState.READ, holder, post, read_at)
        if state in (DeliveryState.IN_PROGRESS, DeliveryState.DONE):
            self._dispositions(world, rows, draft, did, unit_id, read_at, done_at, holder)
        if done_at:
            log(
                "delivery.done",
                DeliveryState.IN_PROGRESS,
                DeliveryState.DONE,
                holder,
                post,
                done_at,
            )

    def _delivery_state(self, kind: str, age: int) -> str:
        """How far a delivery got; a copy (Cc) is read at most."""
        roll = self.rng.random()
        bands = SETTLED if age > 30 else RECENT
        state = next((s for limit, s in bands if roll < limit), DeliveryState.DELIVERED)
        if kind == RecipientKind.CC and state in (DeliveryState.IN_PROGRESS, DeliveryState.DONE):
            state = DeliveryState.READ
        return state

    def _delivery_times(self, state: str, sent_at: dt.datetime):
        """When a delivery in `state` was first read and done (None where it was not)."""
        read_at = done_at = None
        if state != DeliveryState.DELIVERED:
            read_at = min(sent_at + dt.timedelta(minutes=self.rng.randint(5, 60 * 48)), self.now)
        if state == DeliveryState.DONE:
            done_at = min(read_at + dt.timedelta(hours=self.rng.randint(1, 24 * 10)), self.now)
        return read_at, done_at

    def _dispositions(
        self, world, rows, draft, did, unit_id, read_at, done_at, holder, parent=None, depth=1
    ):
        """Head → heads of 1–2 child units; half of those pass it one level further down."""
        rng = self.rng
        kids = world.children.get(unit_id, [])
        if not kids:
            return
        issuer = world.heads[unit_id]
        for kid in rng.sample(kids, min(len(kids), rng.randint(1, 2))):
            to = world.heads[kid]
            issued = read_at + dt.timedelta(minutes=rng.randint(5, 240))
            issued = min(issued, self.now)
            xid, assignee = self._disposition(
                world, rows, draft, did, parent, holder, issuer, to, issued, done_at
            )
            if depth < 2 and rng.random() < 0.5:
                self._dispositions(
                    world,
                    rows,
                    draft,
                    did,
                    kid,
                    issued,
                    done_at,
                    assignee,
                    parent=xid,
                    depth=depth + 1,
                )

    def _disposition(self, world, rows, draft, did, parent, holder, issuer, to, issued, done_at):
        """One disposition from `issuer` (held by `holder`) to `to`, done when the delivery
        is, else read or not yet; returns its id and the assignee."""
        assignee = world.position_user.get(to.pk)
        if done_at:
            state, read, reported = DispositionState.DONE, issued, min(done_at, self.now)
        else:
            roll = self.rng.random()
            state = DispositionState.READ if roll < 0.5 else DispositionState.ISSUED
            read, reported = (issued if state == DispositionState.READ else None), None
        xid = self._take(Disposition)
        rows["disposition"].append(
            (
                xid,
                world.tenant.pk,
                did,
                draft.id,
                parent,
                holder,
                issuer.pk,
                to.pk,
                '["tindak_lanjuti"]',
                "Mohon ditindaklanjuti.",
                (issued + dt.timedelta(days=7)).astimezone(world.zone).date(),
                draft.urgency,
                draft.security,
                state,
                issued,
                issued,
                read,
                assignee if read else None,
                reported,
                assignee if reported else None,
                "Sudah dilaksanakan." if reported else "",
                "",
                "",
            )
        )
        self.stats["dispositions"] += 1
        log = self._chain(rows, world.tenant.pk, Disposition, xid)
        log("disposition.issued", "", DispositionState.ISSUED, holder, issuer.pk, issued)
        if reported:
            log(
                "disposition.reported",
                DispositionState.ISSUED,
                DispositionState.DONE,
                assignee,
                to.pk,
                reported,
            )
        return xid, assignee
