"""The facilitator layer: opened by a long press on the corner glyph.

+5 min, closing now, end session, the help call, the button, sync, and the
sensory profile. Ending or moving the session on still needs a held press
here too. Settings and export sit behind the PIN.
"""

from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView

from kiosk.language import N_
from kiosk.roomview import RoomView
from kiosk.session.plan import Phase
from kiosk.ui import cards, rules  # noqa: F401  (cards: the widgets its rules use)
from kiosk.ui.holdring import HoldBehavior
from kiosk.ui.status import button_line, help_line, session_line, sync_line

PROFILE_LABELS = (("calm", N_("Calm")), ("silent", N_("Silent")), ("still", N_("Still")), ("high_contrast", N_("High contrast")))


class HoldLabelButton(HoldBehavior, Label):
    """A held button (closing now, end session): the fill grows across it while held."""

    def __init__(self, **kwargs) -> None:
        self._hold_init()
        super().__init__(**kwargs)


class FacilitatorPanel(ModalView):
    session_text = StringProperty("")
    help_text = StringProperty("")
    button_text = StringProperty("")
    sync_text = StringProperty("")
    active = BooleanProperty(False)
    has_call = BooleanProperty(False)
    urgent = BooleanProperty(False)
    can_sync = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("auto_dismiss", True)
        super().__init__(**kwargs)

    def show(self, view: RoomView) -> None:
        app = App.get_running_app()
        self.session_text = session_line(view)
        self.help_text = help_line(view)
        self.button_text = button_line(view)
        self.sync_text = sync_line(view, app.room.zone)
        self.active = view.phase in (Phase.OPENING, Phase.HOLDING, Phase.CLOSING)
        self.has_call = view.help_call is not None
        self.can_sync = view.health.hub_configured
        self.urgent = str(view.glyph) in ("not_delivered", "button_fault")

    def ask_pin(self) -> None:
        from kiosk.ui.pinpad import PinPad

        PinPad(on_correct=self._open_settings).open(animation=False)

    def ask_pin_for_downloads(self) -> None:
        from kiosk.ui.downloads import open_downloads_card
        from kiosk.ui.pinpad import PinPad

        PinPad(on_correct=open_downloads_card).open(animation=False)

    def _open_settings(self) -> None:
        from kiosk.ui.settings import SettingsCard

        SettingsCard().open(animation=False)


rules.load("facilitator")
