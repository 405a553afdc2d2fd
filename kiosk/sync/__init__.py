"""Offline-first upload of the journal to the hub: client, backoff, batches, worker threads."""
