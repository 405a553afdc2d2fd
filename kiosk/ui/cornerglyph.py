"""The facilitator's corner glyph: the help-call state in shapes adults learn, nothing a child reads as alarm.

quiet          a faint thin ring
sending        a soft blue ring with a small dot inside (the call is on its way)
delivered      a soft blue ring almost filled (the hub has it)
coming         a soft green filled disc (staff acknowledged: help is coming)
not_delivered  an ochre diamond with a bar, and the words "not sent" (offline: get help another way)
button_fault   a broken lilac ring and the word "button" (the help button is unplugged or silent)

No motion and no sound, in every profile. A long press opens the facilitator layer.
"""

from __future__ import annotations

from kivy.graphics import Color, Line, Rotate, PushMatrix, PopMatrix, SmoothEllipse, SmoothLine, SmoothRectangle
from kivy.properties import ColorProperty, NumericProperty, StringProperty
from kivy.uix.widget import Widget

from kiosk.language import N_, _
from kiosk.session.glyph import Glyph
from kiosk.ui.holdring import HoldBehavior
from kiosk.ui.palette import hex_rgba

GLYPH_COLOURS = {
    Glyph.QUIET: None,
    Glyph.SENDING: hex_rgba("#A9C2E0"),
    Glyph.DELIVERED: hex_rgba("#A9C2E0"),
    Glyph.COMING: hex_rgba("#A8D8B4"),
    Glyph.NOT_DELIVERED: hex_rgba("#DDB878"),
    Glyph.BUTTON_FAULT: hex_rgba("#BCB0D2"),
}

CAPTIONS = {Glyph.NOT_DELIVERED: N_("not sent"), Glyph.BUTTON_FAULT: N_("button")}


class HelpGlyph(HoldBehavior, Widget):
    state = StringProperty(str(Glyph.QUIET))
    ink = ColorProperty((1, 1, 1, 0.9))
    mark = NumericProperty(22.0)  # the drawn glyph's diameter; the touch area is the whole widget
    caption = StringProperty("")

    def __init__(self, **kwargs) -> None:
        self._hold_init()
        super().__init__(**kwargs)
        self.hold_seconds = 1.2
        self.bind(pos=self._redraw, size=self._redraw, state=self._redraw, ink=self._redraw, mark=self._redraw,
                  filled=self._redraw)
        self._redraw()

    def on_state(self, *_args) -> None:
        self.caption = _(CAPTIONS.get(Glyph(self.state), ""))

    def _redraw(self, *_) -> None:
        self.canvas.clear()
        glyph = Glyph(self.state)
        ink = self.ink
        colour = GLYPH_COLOURS[glyph] or (ink[0], ink[1], ink[2], 0.30)
        r = self.mark / 2.0
        cx, cy = self.x + self.width / 2.0, self.y + self.height / 2.0
        w = max(1.2, self.mark / 14.0)
        with self.canvas:
            Color(rgba=colour)
            if glyph is Glyph.QUIET:
                Line(circle=(cx, cy, r), width=max(1.0, w * 0.8))
            elif glyph is Glyph.SENDING:
                SmoothLine(circle=(cx, cy, r), width=w)
                d = r * 0.55
                SmoothEllipse(pos=(cx - d / 2, cy - d / 2), size=(d, d))
            elif glyph is Glyph.DELIVERED:
                SmoothLine(circle=(cx, cy, r), width=w)
                d = r * 1.25
                SmoothEllipse(pos=(cx - d / 2, cy - d / 2), size=(d, d))
            elif glyph is Glyph.COMING:
                SmoothEllipse(pos=(cx - r, cy - r), size=(2 * r, 2 * r))
            elif glyph is Glyph.NOT_DELIVERED:
                s = r * 1.5
                PushMatrix()
                Rotate(angle=45, origin=(cx, cy))
                SmoothRectangle(pos=(cx - s / 2, cy - s / 2), size=(s, s))
                PopMatrix()
                Color(rgba=(0.15, 0.13, 0.10, 0.85))
                SmoothRectangle(pos=(cx - r * 0.45, cy - w * 0.9), size=(r * 0.9, w * 1.8))
            elif glyph is Glyph.BUTTON_FAULT:
                for start in (20, 110, 200, 290):
                    SmoothLine(circle=(cx, cy, r, start, start + 50), width=w)
            if self.filled > 0:
                Color(rgba=(ink[0], ink[1], ink[2], 0.75))
                SmoothLine(circle=(cx, cy, r + w * 3, 0, 360.0 * self.filled), width=w)
