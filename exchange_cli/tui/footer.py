"""The key bar at the bottom: Textual's Footer, updated in place instead of recomposed on every focus change.

Textual's Footer removes and mounts all its keys whenever the screen's bindings may have changed, which is every
focus change: on a tab switch that was the most expensive part of the key press (a dozen widgets mounted and
styled, then a full layout). This one builds the keys the same way, then keeps the widgets it has: it changes the
text of the keys that stay, mounts only the ones added and removes only the ones gone. What it shows is the same.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

#: What a key shows and does; two keys with the same signature look the same.
Signature = tuple[str, str, str, str, bool, str, str]

_PALETTE = "-command-palette"


def _signature(key: FooterKey) -> Signature:
    classes = " ".join(sorted(key.classes - {"-disabled", "-compact"}))
    return (key.key, key.key_display, key.description, key.action, key._disabled, str(key.tooltip or ""), classes)


class LiveFooter(Footer):
    """A Footer that reuses its key widgets."""

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._update_keys)

    def _wanted(self) -> list[FooterKey] | None:
        """The keys Footer would compose now, or None when it would group some (then it recomposes)."""
        if any(b.group is not None for _, b, _, _ in self.screen.active_bindings.values() if b.show):
            return None
        keys = [k for k in self.compose() if isinstance(k, FooterKey)]
        return keys

    async def _update_keys(self) -> None:
        if not self.is_attached:
            return
        wanted = self._wanted()
        have = [k for k in self.children if isinstance(k, FooterKey)]
        if wanted is None or len(have) != len(self.children):
            await self.recompose()
            return
        if [_signature(k) for k in have] == [_signature(k) for k in wanted]:
            return
        plain_have = [k for k in have if _PALETTE not in k.classes]
        plain_wanted = [k for k in wanted if _PALETTE not in k.classes]
        for old, new in zip(plain_have, plain_wanted, strict=False):
            _copy(old, new)
        gone = plain_have[len(plain_wanted) :]
        if gone:
            await self.remove_children(gone)
        added = plain_wanted[len(plain_have) :]
        if added:
            palette = [k for k in self.children if _PALETTE in k.classes]
            await self.mount_all(added, before=palette[0] if palette else None)
        palette_have = [k for k in self.children if isinstance(k, FooterKey) and _PALETTE in k.classes]
        palette_wanted = [k for k in wanted if _PALETTE in k.classes]
        if len(palette_have) != len(palette_wanted):
            await self.recompose()  # the palette key came or went: rare, do it the plain way
        else:
            for old, new in zip(palette_have, palette_wanted, strict=True):
                _copy(old, new)


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
