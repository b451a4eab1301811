"""What other apps may hear about letters, sent by correspondence's services inside the
transaction that made the change (a receiver's writes commit or roll back with it; anything
that leaves the process must go through an outbox or `transaction.on_commit`). These are no
state-machine signals: each is sent once per use case, after its checks passed.

- `letter_sent(letter, by)`: a signed letter was sent (its deliveries exist).
- `delivery_read(delivery, by)`: a delivery was first read.
- `delivery_finished(delivery, by)`: a delivery was closed as done.
"""

from django.dispatch import Signal

letter_sent = Signal()
delivery_read = Signal()
delivery_finished = Signal()
