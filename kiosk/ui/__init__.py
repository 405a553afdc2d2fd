"""The kiosk screen (Kivy). Importing this package imports no Kivy: kiosk/launch.py sets Kivy's
environment first, then imports kiosk.ui.window, then kiosk.ui.app."""
