"""Live AWS source: sessions, one account's roles, whole organisations, enrichment, faults."""
