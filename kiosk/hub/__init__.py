"""The hub: receives the kiosks' logs, shows staff the rooms and help calls. Installs without Kivy."""
