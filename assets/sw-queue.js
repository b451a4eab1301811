// Queued offline actions (issue 30, part 2): filled by the `queue` branch; imported by sw.js.
