"""The pure session domain: plans, phases, cues, the state machine, help calls.

Nothing here does I/O. Decisions return events; `apply` folds them into
state. The live state and the state rebuilt from the journal are the same
fold over the same events.
"""
