"""Staff alerts from the hub to people: channels (webhook, ntfy, email), the outbox and its sender.

A help-call change writes its alerts into the hub database's outbox in the same transaction as the
change (ingest never waits on a network); a sender thread in each hub process delivers them.
"""
