"""The CLI's progress display: live on a terminal, a line per model elsewhere, none if silent."""

from __future__ import annotations

import io

from rich.console import Console

from region.cli.progress import LineProgress, LiveProgress, listener_for, progress_display
from shared.backup.model_names import ModelName
from shared.backup.progress import NoProgress

USER = ModelName("sentry.user")
EMAIL = ModelName("sentry.email")


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_off_a_terminal_each_model_prints_one_line_when_it_ends():
    out = io.StringIO()
    clock = FakeClock()
    lines = LineProgress(out, clock)

    lines.begin(USER, 1500)
    lines.advance(USER, 1000)
    clock.now += 1.0
    lines.advance(USER, 500)
    assert out.getvalue() == ""
    clock.now += 1.0
    lines.end(USER)
    lines.begin(EMAIL, 0)
    lines.end(EMAIL)

    assert out.getvalue().splitlines() == [
        "sentry.user: 1,500 rows in 2.00 s, 750 rows/s",
        "sentry.email: 0 rows in 0.00 s, - rows/s",
    ]


def test_on_a_terminal_the_live_display_shows_rows_of_total_and_rate_per_model():
    out = io.StringIO()
    live = LiveProgress(Console(file=out, force_terminal=True, width=150))

    live.begin(USER, 2000)
    live.advance(USER, 1200)
    live.advance(USER, 800)
    live.end(USER)
    live.begin(EMAIL, 0)  # an export: total unknown
    live.advance(EMAIL, 300)
    live.end(EMAIL)
    live.close()

    text = out.getvalue()
    assert "sentry.user" in text
    assert "2000/2000" in text
    assert "sentry.email" in text
    assert "300/300" in text  # the unknown total becomes the final count
    assert "rows/s" in text


def test_a_closed_display_that_never_began_prints_nothing():
    out = io.StringIO()
    live = LiveProgress(Console(file=out, force_terminal=True))
    live.close()
    assert out.getvalue() == ""


def test_the_listener_is_lines_off_a_terminal_and_nothing_when_silent():
    assert isinstance(listener_for(io.StringIO()), LineProgress)
    with progress_display(silent=True, stream=io.StringIO()) as silent:
        assert isinstance(silent, NoProgress)
    out = io.StringIO()
    with progress_display(silent=False, stream=out) as shown:
        shown.begin(USER, 1)
        shown.advance(USER, 1)
        shown.end(USER)
    assert out.getvalue().startswith("sentry.user: 1 rows in ")


def test_events_out_of_order_never_fail_a_run():
    out = io.StringIO()
    lines = LineProgress(out, FakeClock())
    lines.end(USER)  # never began: nothing to say
    lines.advance(EMAIL, 3)  # never began: counted from now
    lines.end(EMAIL)
    assert out.getvalue().splitlines() == ["sentry.email: 3 rows in 0.00 s, - rows/s"]

    live = LiveProgress(Console(file=io.StringIO(), force_terminal=True, width=120))
    live.end(USER)
    live.advance(EMAIL, 3)
    live.end(EMAIL)
    live.close()
