"""The tabs' side of a tab switch done in one frame: tabs that a stale focus event does not switch, and the
underline placed at once.

A tab key switches the tab, focuses its table and updates the footer all at once (``ExchangeApp.action_show_tab``),
so two tab keys typed together are both handled before any widget has seen the focus events of the first. Textual's
TabbedContent activates a pane when something in it was focused: the first pane's late focus event (or one from
start-up) would then bring that tab back over the second, and the two would take turns. Here a pane is activated
only if the focus is still in it when the event arrives.
"""

from __future__ import annotations

from textual.widgets import TabbedContent, TabPane
from textual.widgets._tabbed_content import ContentTabs
from textual.widgets._tabs import Underline


class LiveTabs(TabbedContent):
    """A TabbedContent that a stale focus event does not switch."""

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        event.stop()
        event.prevent_default()  # (TabbedContent's own handler activates the pane whatever the focus is now)
        pane, focused = event.tab_pane, self.screen.focused
        if pane.id is not None and focused is not None and (focused is pane or pane in focused.ancestors):
            self.active = pane.id


def place_underline(tabs: TabbedContent) -> None:
    """Put the tab underline under the active tab now. Tabs moves it after the next refresh, as it reads the tab's
    place from the layout: one more frame per switch. The tabs never move; their places are known already."""
    content_tabs = tabs.get_child_by_type(ContentTabs)
    active = content_tabs.active_tab
    if active is not None and active.virtual_region:
        start, end = active.virtual_region.shrink(active.styles.gutter).column_span
        underline = content_tabs.query_one(Underline)
        underline.highlight_start, underline.highlight_end = start, end
