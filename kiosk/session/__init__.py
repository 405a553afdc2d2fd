"""The pure session domain: plans, phases, cues, the state machine, help calls.

Nothing here does I/O. Decisions return events; `apply` folds them into
state. The live state and the state rebuilt from the journal are the same
fold over the same events.

A map, for whoever comes to argue with a rule: `plan` is the session as the
facilitator prepared it (its phases and their lengths); `machine` is what
happens to it (start, +5 min, closing now, the phase deadlines and how a hard
end shrinks holding, `rebuild` from the journal); `cues` says when the gentle signals
come before a phase ends; `help` is a help call's life, when a press is the
same call or a new one, how repeats are counted, when an unanswered call is
stale; `glyph` is what the corner glyph shows of it; `outage` and `resume`
say what the journal knows after a crash or power cut, whether the session
resumes or is abandoned, and when the wall clock stepped; `pin` is the PIN
lockout; `facts` names every kind of event; `record` is an event's envelope
and its wire form, shared with the hub. `kiosk/room.py` holds the lock, the
journal and the listeners around these, and leaves the deciding to them.
"""
