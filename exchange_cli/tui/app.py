"""The exchange TUI: tabs over one live model of the journal, actions on the running host.

The journal is polled in a worker thread (only entries after the last id seen); the model is updated on the main
thread, and the views take from it what they show. Slow reads (entities, poison queues, related entries) and
every action on the host run in workers, so a key press is never waiting on the database or the network.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header, Input, TabbedContent, TabPane

from emulator.journal.store import JournalEntry
from exchange_cli.tui import catalog
from exchange_cli.tui.entities_data import EntityReader
from exchange_cli.tui.entities_view import EntitiesView
from exchange_cli.tui.events import FollowCorrelation, OpenEntry, RunFunction, SendMessage, ShowStream
from exchange_cli.tui.feed import JournalFeed
from exchange_cli.tui.footer import LiveFooter
from exchange_cli.tui.functions_view import FunctionsView
from exchange_cli.tui.gc_pacing import IdleCollector
from exchange_cli.tui.logs_view import LogsView
from exchange_cli.tui.messages_view import MessagesView
from exchange_cli.tui.model import RING_SIZE, LiveModel
from exchange_cli.tui.panes import LiveTabs, place_underline
from exchange_cli.tui.poison_view import PoisonView
from exchange_cli.tui.routing_view import RoutingView
from exchange_cli.tui.stream_table import StreamTable
from exchange_cli.tui.target import TuiTarget

TABS = ("functions", "messages", "entities", "routing", "poison", "logs")
#: Figures, the graph and the entity listing are redrawn at most this often (seconds).
REDRAW_INTERVAL = 1.0
POISON_INTERVAL = 5.0
#: How often the idle collector looks whether a full garbage collection is due (seconds).
GC_TICK = 0.25


class ExchangeApp(App[None]):
    """The live view of one deployment."""

    TITLE = "exchange"
    BINDINGS = [
        # priority: the key is the app's at once, not after it has bubbled up from the focused table through the
        # view, the pane, the switcher, the tabs and the screen (a loop turn each). A text field still types it
        # (Textual leaves a key to the focused widget that consumes it); check_action leaves it to a dialog
        *(
            Binding(str(i), f"show_tab('{tab}')", tab.title(), show=False, priority=True)
            for i, tab in enumerate(TABS, 1)
        ),
        Binding("slash", "filter", "Filter"),
        Binding("s", "send", "Send"),
        Binding("p", "toggle_pause", "Pause"),
        Binding("f", "follow", "Follow"),
        Binding("x", "unfollow", "Unfollow", show=False),
        Binding("ctrl+t", "toggle_theme", "Theme", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    paused: reactive[bool] = reactive(False)
    follow: reactive[str | None] = reactive(None)

    def __init__(self, target: TuiTarget, *, poll_interval: float = 0.25, ring_size: int = RING_SIZE) -> None:
        super().__init__()
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            # the sliding tab underline repaints for 0.3 s after every tab switch, competing with the new tab's
            # first paint on a busy machine; the underline jumps instead (TEXTUAL_ANIMATIONS=full brings it back)
            self.animation_level = "none"
        self.target = target
        self.poll_interval = poll_interval
        self.feed = JournalFeed(target.journal_path)
        self.ring_size = ring_size
        self.model = LiveModel(ring_size)
        self.reader = EntityReader(target.database_url) if target.database_url else None
        self._polling = False
        self._dirty = {"functions": True, "routing": True, "entities": False}
        self._functions_view: FunctionsView | None = None
        self.collector = IdleCollector()

    #: What the live tables take from the app.
    _live = (follow, paused)

    def compose(self) -> ComposeResult:
        yield Header()
        with LiveTabs(id="tabs"):
            with TabPane("Functions", id="functions"):
                yield FunctionsView()
            with TabPane("Messages", id="messages"):
                yield MessagesView(self.model.stream, ring_size=self.ring_size).data_bind(*self._live)
            with TabPane("Entities", id="entities"):
                yield EntitiesView(self.reader)
            with TabPane("Routing", id="routing"):
                yield RoutingView(self.model).data_bind(ExchangeApp.follow)
            with TabPane("Poison", id="poison"):
                yield PoisonView(self.target, self.source_queues, self.poison_reason)
            with TabPane("Logs", id="logs"):
                yield LogsView(self.model.logs, ring_size=self.ring_size).data_bind(*self._live)
        yield LiveFooter()

    def on_mount(self) -> None:
        self._functions_view = self.query_one(FunctionsView)
        self.collector.start()
        self.set_interval(GC_TICK, self.collector.tick)
        self.sub_title = str(self.target.deployment_dir)
        self.load_catalog()
        self.set_interval(self.poll_interval, self._poll_unless_busy)
        self.set_interval(REDRAW_INTERVAL, self.redraw)
        self.set_interval(POISON_INTERVAL, self.query_one(PoisonView).reload)
        self.query_one(PoisonView).reload()
        self.poll()

    # -- the live model ------------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="catalog")
    def load_catalog(self) -> None:
        """Ask the host (or the journal) which functions are declared."""
        from exchange_cli.tui.target import app_settings

        specs = catalog.load(self.target.host, self.feed, app_settings(self.target.deployment_dir))
        self.call_from_thread(self._declare, specs)

    def _declare(self, specs: list[catalog.FunctionSpec]) -> None:
        self.model.declare(specs)
        self._dirty.update(functions=True, routing=True)
        self.redraw()

    def _poll_unless_busy(self) -> None:
        # a thread worker cannot be cancelled: never start a second poll while one still reads
        if not self._polling:
            self.poll()

    @work(thread=True, group="poll")
    def poll(self) -> None:
        """Read what the journal gained since the last poll, a batch at a time."""
        self._polling = True
        try:
            while entries := self.feed.poll():
                self.call_from_thread(self.ingest, entries)
                if len(entries) < self.feed.batch:
                    break
        finally:
            self._polling = False

    def ingest(self, entries: list[JournalEntry]) -> None:
        """Take new entries into the model and the live tables."""
        batch = self.model.ingest(entries)
        if not self._views_up():
            return
        self.query_one(MessagesView).add(batch.stream)
        self.query_one(LogsView).add(batch.logs)
        self._dirty["functions"] |= batch.functions_changed
        self._dirty["routing"] = True
        self._dirty["entities"] |= batch.entities_changed
        if any(e.kind == "host.start" for e in entries):
            self.load_catalog()

    def redraw(self) -> None:
        """Redraw what changed (the figures, the graph, the entity listing), at most once a REDRAW_INTERVAL.

        Only the tab on screen is redrawn: the others stay marked and are brought up to date when shown, so a
        view nobody looks at costs no layout, no rows and no entity query."""
        if self._views_up():
            self._redraw_tab(self.query_one(TabbedContent).active)

    def _redraw_tab(self, tab: str) -> None:
        if tab == "functions" and self._dirty["functions"]:
            self.query_one(FunctionsView).show(self.model)
        elif tab == "routing" and self._dirty["routing"]:
            self.query_one(RoutingView).redraw()
        elif tab == "entities" and self._dirty["entities"]:
            self.query_one(EntitiesView).reload()
        elif tab in ("messages", "logs"):
            self.query_one(f"#{tab}", TabPane).query_one(StreamTable).catch_up()
        if tab in self._dirty:
            self._dirty[tab] = False

    def _views_up(self) -> bool:
        # timers and the poll worker may still fire while the app shuts down and its views are gone
        # (a reference, not a query: a query walks the whole DOM, at every poll)
        view = self._functions_view
        return not self._exit and view is not None and view.is_attached

    def source_queues(self) -> list[str]:
        """Every queue the pipeline reads or writes (poison queues left out)."""
        nodes = {n for edge in self.model.edges for n in edge if n.startswith("queue:")}
        return sorted(n.removeprefix("queue:") for n in nodes if not n.endswith("-poison"))

    def poison_reason(self, queue: str, body: str) -> str:
        """Why a message of ``queue`` was poisoned: its poison entry, else the queue's newest failure."""
        fallback = ""
        for row in reversed(self.model.stream):
            if row.queue != queue or row.status in ("ok", "sent", "received"):
                continue
            error = str(row.entry.data.get("error") or row.entry.data.get("reason") or "")
            if row.kind == "poison" and row.entry.data.get("body") == body and error:
                return error
            fallback = fallback or error
        return fallback

    # -- reactives down ------------------------------------------------------------------------------------------

    def watch_follow(self) -> None:
        self._title()

    def watch_paused(self) -> None:
        self._title()

    def _title(self) -> None:
        parts = [str(self.target.deployment_dir)]
        if self.follow:
            parts.append(f"following {self.follow}")
        if self.paused:
            parts.append("PAUSED")
        self.sub_title = " · ".join(parts)

    # -- events up -----------------------------------------------------------------------------------------------

    def on_follow_correlation(self, event: FollowCorrelation) -> None:
        self.follow = event.correlation_id
        if event.correlation_id:
            self.notify(f"Following {event.correlation_id} in every view (x stops).")

    def on_open_entry(self, event: OpenEntry) -> None:
        from exchange_cli.tui.message_screen import MessageScreen

        self.push_screen(MessageScreen(event.entry, self.feed))

    def on_show_stream(self, event: ShowStream) -> None:
        self.action_show_tab("messages")
        self.query_one(MessagesView).query_one(Input).value = event.filter_line

    def on_send_message(self, event: SendMessage) -> None:
        self.send(event.queue, event.body)

    def on_run_function(self, event: RunFunction) -> None:
        self.run_function(event.function, event.input)

    # -- actions ---------------------------------------------------------------------------------------------------

    @work(thread=True, group="actions")
    def send(self, queue: str, body: str) -> None:
        """Put ``body`` on ``queue`` of the host's storage."""
        from emulator.client import queues as queue_ops

        if not self.target.storage:
            self.call_from_thread(self.notify, "No running host: nowhere to send.", severity="error")
            return
        from framework.errors import ExchangeError

        try:
            [message_id] = queue_ops.send(self.target.storage, queue, [body], self.target.encoding)
        except ExchangeError as error:  # storage stopped or refused: say so, the app keeps running
            self.call_from_thread(self.notify, f"Not sent: {error.message}", severity="error")
            return
        self.call_from_thread(self.notify, f"Sent {message_id[:8]} to {queue}.")

    @work(thread=True, group="actions")
    def run_function(self, function: str, input_: str) -> None:
        """Run ``function`` now on the host (``POST /admin/functions/NAME``)."""
        from emulator.client.admin import run_function
        from framework.errors import ExchangeError

        if self.target.host is None:
            self.call_from_thread(self.notify, "No running host to run it on.", severity="error")
            return
        try:
            status, body = run_function(self.target.host, function, input_)
        except ExchangeError as error:
            self.call_from_thread(self.notify, error.message, severity="error")
            return
        ok = status == 202
        text = f"{function} triggered" if ok else f"The host refused to run {function} (HTTP {status}): {body}"
        self.call_from_thread(self.notify, text, severity="information" if ok else "error")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show_tab" and self.screen is not self.screen_stack[0]:
            return False  # a priority key reaches past a dialog: there it is the dialog's
        return super().check_action(action, parameters)

    def action_show_tab(self, tab: str) -> None:
        """Show ``tab``, its rows brought up to date and its table focused, all before the next frame.

        Not left to the TabActivated handler (which still does it for a click on a tab): that message arrives a
        few loop turns later, and the screen's 60 fps update timer would paint the switch between the hops (the
        tab, then its rows, then the focus and the footer's keys): two or three layouts and frames per key."""
        tabs = self.query_one(TabbedContent)
        if not self._views_up():
            tabs.active = tab
            return
        with self.batch_update():
            tabs.active = tab
            if self.animation_level == "none":  # (else Tabs animates it)
                place_underline(tabs)
            self._redraw_tab(tab)
            self._focus_pane(tab, at_once=True)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """Bring the shown tab up to date and put the keyboard in it (a click on a tab; a tab key did it already).

        Only if it is still the active tab: two tab keys pressed quickly leave the first activation in the queue
        behind the second, and focusing the first pane then would make it active again (a focused pane activates
        itself), which activates... the two tabs took turns for ever, a redraw and a layout each time."""
        pane = event.pane.id
        if pane and self._views_up() and pane == event.tabbed_content.active:  # (no panes while shutting down)
            self._redraw_tab(pane)
            if not self._focus_in(pane):
                self._focus_pane(pane)

    def _focus_in(self, tab: str) -> bool:
        focused = self.screen.focused
        return focused is not None and any(node.id == tab and isinstance(node, TabPane) for node in focused.ancestors)

    def _focus_pane(self, tab: str, *, at_once: bool = False) -> None:
        """Put the keyboard in the view's table (or its graph), so its keys work at once; ``at_once``: now, with
        the footer's keys (else after the pending messages, as Widget.focus does)."""
        pane = self.query_one(f"#{tab}", TabPane)
        found = pane.query("DataTable, LiveTable, RoutingView")
        if not found:
            return
        widget = found.first()
        if not at_once:
            widget.focus()
        elif self.screen is pane.screen and self.screen.focused is not widget:
            self.screen.set_focus(widget)
            self.screen.refresh_bindings()

    def action_filter(self) -> None:
        pane = self.query_one(TabbedContent).active_pane
        inputs = pane.query(Input) if pane is not None else None
        if inputs:
            inputs.first().focus()

    def action_send(self) -> None:
        from exchange_cli.tui.send_screen import SendScreen

        queues = [s.trigger_queue for s in (f.spec for f in self.model.functions.values()) if s and s.trigger_queue]
        default = queues[0] if queues else ""

        def sent(result: tuple[str, str] | None) -> None:
            if result is not None:
                self.send(*result)

        self.push_screen(SendScreen(default), sent)

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused

    def action_follow(self) -> None:
        from exchange_cli.tui.prompt_screen import PromptScreen

        def chosen(value: str | None) -> None:
            if value:
                self.post_message(FollowCorrelation(value))

        self.push_screen(PromptScreen("Follow which correlation id?", self.follow or ""), chosen)

    def action_unfollow(self) -> None:
        self.follow = None

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme != "textual-light" else "textual-dark"

    def action_help(self) -> None:
        from exchange_cli.tui.help_screen import HelpScreen

        self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for tab in TABS:
            yield SystemCommand(f"Show {tab.title()}", f"Switch to the {tab} view", self._shower(tab))
        yield SystemCommand("Send a message", "Compose JSON and put it on a queue", self.action_send)
        yield SystemCommand("Pause / resume the stream", "Stop or restart the live tables", self.action_toggle_pause)
        yield SystemCommand("Follow a correlation id", "Show one correlation id in every view", self.action_follow)
        yield SystemCommand("Stop following", "Show every correlation id again", self.action_unfollow)
        yield SystemCommand("Toggle light/dark", "Light or dark colours", self.action_toggle_theme)

    def _shower(self, tab: str) -> Callable[[], None]:
        return lambda: self.action_show_tab(tab)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.collector.input_seen()  # no full garbage collection while the user waits for this one
        await super().on_event(event)

    def on_unmount(self) -> None:
        self.collector.stop()
        if self.reader is not None:
            self.reader.close()
