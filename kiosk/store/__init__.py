"""The kiosk's store: one SQLite file, the journal, and sync bookkeeping."""
