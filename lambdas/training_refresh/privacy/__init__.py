"""The privacy gate (docs/design.md §4, issue 15): detectors, the chunk scanner, the report.

- ``detectors``: the pattern rules over one text value (e-mail, phone, card, SSN).
- ``identity``: the rules that look for the customer's own source identity.
- ``scanner``: scans one table's chunk of rows, column by column, fast.
- ``report``: the ``privacy`` section of run reports.
"""
