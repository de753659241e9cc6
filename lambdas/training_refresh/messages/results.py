"""Every task result in one discriminated union, for readers of an execution's history.

``TaskResult`` tells the results apart by their ``step`` (a task name of ``registry``);
``RecordedFailure`` is what a ``Record ... failure`` state keeps of a config or a table;
``MapItem`` is the input of one Map iteration (a config's or a table's task).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, TypeAdapter

from training_refresh.messages.gold_load import (
    ConfigFailure,
    ConfigProgress,
    ConfigTask,
    GoldLoadOutcome,
    GoldLoadPlan,
    GoldLoadPublished,
)
from training_refresh.messages.gold_remove import GoldRemoved, GoldRemoveOutcome
from training_refresh.messages.gold_undo import GoldUndone, GoldUndoOutcome
from training_refresh.messages.reset import (
    CopyFailure,
    CopyTask,
    ResetOutcome,
    ResetPlan,
    SwapOutcome,
    TableCopied,
)
from training_refresh.messages.reset_stage import StageOutcome
from training_refresh.messages.restore import CustomersRestored, RestoreOutcome

TaskResult = Annotated[
    GoldLoadPlan
    | ConfigProgress
    | GoldLoadPublished
    | GoldLoadOutcome
    | ResetPlan
    | TableCopied
    | SwapOutcome
    | ResetOutcome
    | GoldUndone
    | GoldUndoOutcome
    | GoldRemoved
    | GoldRemoveOutcome
    | CustomersRestored
    | RestoreOutcome
    | StageOutcome,
    Field(discriminator="step"),
]
TASK_RESULT: TypeAdapter[TaskResult] = TypeAdapter(TaskResult)

RecordedFailure = ConfigFailure | CopyFailure
RECORDED_FAILURE: TypeAdapter[RecordedFailure] = TypeAdapter(RecordedFailure)

MapItem = ConfigTask | CopyTask
MAP_ITEM: TypeAdapter[MapItem] = TypeAdapter(MapItem)

Outcome = GoldLoadOutcome | ResetOutcome | GoldUndoOutcome | GoldRemoveOutcome | RestoreOutcome
