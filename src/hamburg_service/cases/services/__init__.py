"""Every write of the cases app (docs/cases.md). Each opens its transaction, locks the case,
records an event and recomputes the clock and urgency from the events."""
