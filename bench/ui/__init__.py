"""Shared harness for the UI benches and the end-to-end test: a real X server, process figures, screen captures.

Nothing here is a bench itself (`make bench` runs only the scripts at the top of bench/).
"""
