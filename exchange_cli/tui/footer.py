"""The key bar at the bottom: Textual's Footer, updated in place instead of recomposed on every focus change.

Textual's Footer removes and mounts all its keys whenever the screen's bindings may have changed, which is every
focus change: on a tab switch that was the most expensive part of the key press (a dozen widgets mounted and
styled, then a full layout). This one builds the keys the same way, then keeps the widgets it has: it changes the
text of the keys that stay, mounts only keys it never had and hides the ones not needed now (kept for the next
tab that needs them). What it shows is the same.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

#: What a key shows and does; two keys with the same signature look the same.
Signature = tuple[str, str, str, str, bool, str, str]

_PALETTE = "-command-palette"


def _signature(key: FooterKey) -> Signature:
    classes = " ".join(sorted(key.classes - {"-disabled", "-compact"}))
    return (key.key, key.key_display, key.description, key.action, key._disabled, str(key.tooltip or ""), classes)


class _Key(FooterKey):
    """A FooterKey whose new size asks for no second layout.

    Textual sets a widget's virtual size during a layout with a layout refresh, so a key that changed width on a
    tab switch made the whole screen lay out twice. A key does not scroll: its virtual size is only bookkeeping."""

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        return super()._size_updated(size, virtual_size, container_size, layout=False)


class LiveFooter(Footer):
    """A Footer that reuses its key widgets."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if type(widget) is FooterKey:
                widget.__class__ = _Key  # the same widget, styled the same (CSS matches FooterKey on subclasses)
            yield widget

    _shown_for: tuple[object, ...] | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        # in place, at once: the keys change in the same frame as the focus (Footer waits a refresh, then
        # recomposes, which costs the tab switch a second layout and paint)
        if not self.is_attached or screen is not self.screen:
            return
        # a focus change tells the footer two or three times; the keys it would compose are made only when the
        # bindings behind them changed
        shown_for = self._bindings_key(screen)
        if shown_for == self._shown_for:
            return
        if self._update_in_place():
            self._shown_for = shown_for
        else:
            self._shown_for = None
            self.call_after_refresh(self.recompose)

    def _bindings_key(self, screen: Screen[object]) -> tuple[object, ...]:
        """What the keys Footer composes are made of (Footer.compose reads the same)."""
        shown = tuple(
            (key, binding.key, binding.action, binding.description, binding.group, binding.tooltip, enabled, tooltip)
            for key, (_, binding, enabled, tooltip) in screen.active_bindings.items()
            if binding.show or key == self.app.COMMAND_PALETTE_BINDING
        )
        return (shown, self.compact, self.show_command_palette, len(self.children))

    def _wanted(self) -> list[FooterKey] | None:
        """The keys Footer would compose now, or None when it would group some (then it recomposes)."""
        if any(b.group is not None for _, b, _, _ in self.screen.active_bindings.values() if b.show):
            return None
        return [k for k in self.compose() if isinstance(k, FooterKey)]

    def _update_in_place(self) -> bool:
        """Show the wanted keys with the widgets there are; False when only a recompose will do (the first time,
        grouped keys, the command palette's key coming or going)."""
        wanted = self._wanted()
        have = [k for k in self.children if isinstance(k, FooterKey)]
        if wanted is None or not have or len(have) != len(self.children):
            return False
        palette_have = [k for k in have if _PALETTE in k.classes]
        palette_wanted = [k for k in wanted if _PALETTE in k.classes]
        if len(palette_have) != len(palette_wanted):
            return False
        if [_signature(k) for k in have if k.display] == [_signature(k) for k in wanted]:
            return True
        plain_have = [k for k in have if _PALETTE not in k.classes]
        plain_wanted = [k for k in wanted if _PALETTE not in k.classes]
        for old, new in [*zip(plain_have, plain_wanted, strict=False), *zip(palette_have, palette_wanted, strict=True)]:
            _copy(old, new)
            old.display = True
        for spare in plain_have[len(plain_wanted) :]:  # hidden, kept for the next tab that has more keys
            spare.display = False
        added = plain_wanted[len(plain_have) :]
        if added:
            self.mount_all(added, before=palette_have[0] if palette_have else None)
        return True


def _copy(old: FooterKey, new: FooterKey) -> None:
    """Make ``old`` show and do what ``new`` would."""
    if _signature(old) == _signature(new):
        return
    width_changes = (old.key_display, old.description) != (new.key_display, new.description)
    old.key, old.key_display, old.description, old.action = new.key, new.key_display, new.description, new.action
    old._disabled = new._disabled
    old.set_class(new._disabled, "-disabled")
    old.tooltip = new.tooltip
    old.refresh(layout=width_changes)
