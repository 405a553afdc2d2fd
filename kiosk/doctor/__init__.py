"""`kiosk doctor`: checks a kiosk device and says, for each problem, what to do about it.

Every check reads the machine through a Host (kiosk/doctor/host.py) whose
/proc, /sys, /dev, /etc, /run and mount table are folders a test can fake.
"""
