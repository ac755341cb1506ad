"""Every write of an on-site visit, by concern: `tickets` (issue, check in, call notice),
`calling` (call, recall, park, resume, transfer, add a service, finish, did not come),
`counters` (signing in at a counter), `days` (call notices due, end of day) and `kiosks`
(the devices that may draw tickets)."""
