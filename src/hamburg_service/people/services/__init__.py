"""Every write to the person record, by concern: `identity` (create, correct, record a death),
`residences` (Anmeldung, Ummeldung, Abmeldung), `papers` (nationalities, identity documents,
residence titles), `merging` (merge duplicates and undo it) and `common` (the locks they
share). Each function opens the transaction, takes its locks, writes one event per change."""
