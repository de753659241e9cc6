"""The training team's gold operations besides the load: remove customers, undo the last
gold-changing run (docs/design.md §1.4, §6.1).

Both publish through ``gold_state.publication`` exactly like a gold load: ``writer``
takes the gold writer's side of the lease and gives the publication its guard, ``undo``
and ``remove`` are the steps, ``report`` writes their run reports.
"""
