"""Logs over Wi-Fi: a one-time-code download page the kiosk serves while the facilitator keeps it open."""
