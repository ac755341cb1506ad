"""Every write to the appointment book, by concern: `booking` (book a time), `lifecycle`
(confirm, cancel, move, keep, no-show, complete), `seats` (the ledger locks and seat claims
they share), `rules` (what a booking must satisfy), `tokens` (links and references), `sweeps`
(the periodic work) and `waitlist`."""
