"""The published gold state: versions of the gold copies, their manifest, and publication.

See ``manifest`` for the model (generations, versions, the undo chain) and ``publication``
for how a gold-changing run publishes its result in one multi-table RENAME.
"""
