"""How the CLI shows an import's or export's progress per model.

On a terminal, a live rich display with one line per model: rows done of the total, rows/s,
elapsed time and time remaining (an export does not know its totals, so it shows rows and rows/s).
Off a terminal (a pipe, a log file, CI), one line per model when it ends, so logs stay readable.
``--silent`` shows nothing. Everything goes to standard error: standard output may carry the
export itself and holds the report lines scripts read.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.table import Column
from rich.text import Text
from typing_extensions import override

from shared.backup.model_names import ModelName
from shared.backup.progress import NoProgress, Progress
from shared.backup.relocation_records import RelocationStep

Clock = Callable[[], float]


class RowsPerSecondColumn(ProgressColumn):
    """Rows per second of a task: its recent speed while running, its average once finished."""

    @override
    def render(self, task: Task) -> Text:
        """The rate, or ``?`` before there is one."""
        speed = task.finished_speed if task.finished else task.speed
        if speed is None and task.elapsed:
            speed = task.completed / task.elapsed
        return Text("? rows/s" if speed is None else f"{speed:,.0f} rows/s", style="cyan")


class LiveProgress:
    """A live rich display, one task per model, started at the first model and kept on screen.

    Like ``LineProgress`` it tolerates events out of order: a display must never fail a run.
    """

    def __init__(self, console: Console) -> None:
        self._display = RichProgress(
            TextColumn("{task.description}", table_column=Column(no_wrap=True)),
            BarColumn(bar_width=20),
            MofNCompleteColumn(table_column=Column(no_wrap=True, justify="right")),
            RowsPerSecondColumn(table_column=Column(no_wrap=True, justify="right")),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
        )
        self._tasks: dict[ModelName, TaskID] = {}
        self._started = False

    def step(self, step: RelocationStep) -> None:
        """Steps are not shown: the per-model lines tell the story."""

    def begin(self, model: ModelName, total: int) -> None:
        """Add the model's line (an unknown total, 0, shows a pulsing bar)."""
        if not self._started:
            self._display.start()
            self._started = True
        self._tasks[model] = self._display.add_task(str(model), total=total or None)

    def advance(self, model: ModelName, rows: int) -> None:
        """Move the model's line on (a model that never began gets a line of unknown total)."""
        if model not in self._tasks:
            self.begin(model, 0)
        self._display.advance(self._tasks[model], rows)

    def end(self, model: ModelName) -> None:
        """Freeze the model's line at its final count."""
        task_id = self._tasks.get(model)
        if task_id is None:
            return
        done = next(t.completed for t in self._display.tasks if t.id == task_id)
        self._display.update(task_id, total=done, completed=done)
        self._display.stop_task(task_id)

    def close(self) -> None:
        """Stop refreshing, leaving the last frame on screen."""
        if self._started:
            self._display.stop()


@dataclass(slots=True)
class _Timing:
    """Rows done and the start time of one model."""

    started: float
    rows: int = 0


class LineProgress:
    """One line per model when it ends: model, rows, seconds and rows/s."""

    def __init__(self, out: IO[str], clock: Clock = time.monotonic) -> None:
        self._out = out
        self._clock = clock
        self._timings: dict[ModelName, _Timing] = {}

    def step(self, step: RelocationStep) -> None:
        """Steps are not shown: the per-model lines tell the story."""

    def begin(self, model: ModelName, total: int) -> None:
        """Start the model's clock."""
        self._timings[model] = _Timing(started=self._clock())

    def advance(self, model: ModelName, rows: int) -> None:
        """Count the model's rows (a model that never began starts its clock now)."""
        if model not in self._timings:
            self.begin(model, 0)
        self._timings[model].rows += rows

    def end(self, model: ModelName) -> None:
        """Print the model's line (nothing for a model that never began)."""
        timing = self._timings.pop(model, None)
        if timing is None:
            return
        seconds = self._clock() - timing.started
        rate = f"{timing.rows / seconds:,.0f} rows/s" if seconds > 0 else "- rows/s"
        self._out.write(f"{model}: {timing.rows:,} rows in {seconds:.2f} s, {rate}\n")
        self._out.flush()

    def close(self) -> None:
        """Nothing to release."""


def listener_for(stream: IO[str] | None = None) -> LiveProgress | LineProgress:
    """The live display when ``stream`` (default: standard error) is a terminal, else lines."""
    out = stream if stream is not None else sys.stderr
    console = Console(file=out)
    if console.is_terminal:
        return LiveProgress(console)
    return LineProgress(out)


@contextlib.contextmanager
def progress_display(*, silent: bool, stream: IO[str] | None = None) -> Iterator[Progress]:
    """The progress listener of one command; nothing with ``--silent``. Closed on exit."""
    if silent:
        yield NoProgress()
        return
    listener = listener_for(stream)
    try:
        yield listener
    finally:
        listener.close()
