"""The support person's help button: decoders (pure), the serial link thread, a simulator.

Three kinds of button are supported: a microcontroller speaking a small line
protocol (see deploy/button/), a button that sends any byte per press, and a
plain USB-serial adapter whose CTS or DSR line a switch closes. This is not a
certified nurse-call system.
"""
