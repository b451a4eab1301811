// Web Push (issue 30, part 3): filled by the `push` branch; imported by sw.js.
