"""The floor for a phase's CPU: the Holding scene's window showing a still image, drawn once, never changed.

The Holding colours of kiosk/ui/palette.py (background, a soft disc, its core) at 800x480; nothing moves,
so after the first frames Kivy has nothing to redraw. What it still costs (Kivy's idle loop, the X
server) is the least any phase can cost in this window.
"""

from kivy.config import Config

Config.set("graphics", "width", "800")
Config.set("graphics", "height", "480")

from kivy.app import App  # noqa: E402
from kivy.graphics import Color, Ellipse, Rectangle  # noqa: E402
from kivy.uix.widget import Widget  # noqa: E402


def rgb(hex_colour: str) -> tuple[float, float, float]:
    return tuple(int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))


class Still(Widget):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        with self.canvas:
            Color(*rgb("#213530"))
            Rectangle(pos=(0, 0), size=(800, 480))
            Color(*rgb("#A6CBB2"), 0.35)
            Ellipse(pos=(250, 90), size=(300, 300))
            Color(*rgb("#BFD8C6"))
            Ellipse(pos=(320, 160), size=(160, 160))


class StillApp(App):
    def build(self) -> Widget:
        return Still()


if __name__ == "__main__":
    StillApp().run()
