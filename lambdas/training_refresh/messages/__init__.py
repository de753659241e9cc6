"""Typed messages between the steps of both workflows, and their run reports.

Every Lambda task takes one of these models as its event and returns one; the handlers
dump results with ``model_dump(mode="json")``, so the JSON field names are the fields here
and the ASL files (which select fields such as ``$.planned.plan.configs``) read them
unchanged. Every task result carries a literal ``step`` (its task name in ``registry``),
so progress and reports tell results apart by name (``results.TaskResult``), never by which
keys a payload happens to hold.

Step messages are strict where our own steps produce them; run reports and the request
fields of an execution's input are lenient where they may come from elsewhere (a report
written by an earlier version, an operator's input that the plan step rejects).

Modules: ``common`` (execution info, caught errors), ``gold_load``, ``reset``, ``results``.
"""
