"""The baseline for start to first frame: the smallest Kivy app, one Label in an 800x480 window."""

from kivy.config import Config

Config.set("graphics", "width", "800")
Config.set("graphics", "height", "480")

from kivy.app import App  # noqa: E402
from kivy.uix.label import Label  # noqa: E402


class MinimalApp(App):
    def build(self) -> Label:
        return Label(text="Hello")


if __name__ == "__main__":
    MinimalApp().run()
