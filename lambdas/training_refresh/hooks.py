"""Named points of a run where a caller may watch or pause it, passed in as ``on_step``.

The steps call ``on_step(name)`` as they pass each point; production passes
:func:`ignore_step`. Tests pass a function that records, waits or blocks there (a kill test
stops a reset at ``swap-before-rename`` and kills the process), so no test replaces a
function of the production code. The points:

* ``check-customers`` - a gold-load plan is about to ask the warehouse which customers exist;
* ``extract-chunk:<config>`` - a chunk's extraction statements are submitted, not yet read;
* ``merge-chunk:<config>`` - a chunk's extracted rows are about to be merged;
* ``merge-chunk-written:<config>`` - a chunk is merged into the build tables, not committed;
* ``chunk-loaded:<config>:<rows>`` - a chunk is committed (a preview's: counted) with
  ``<rows>`` rows written (a preview's: read); local progress shows rows live from it;
* ``gold-load-before-publish`` - the publish step is about to publish the loaded configs;
* ``gold-publish-before-rename`` / ``gold-publish-renamed`` - a publication (load or
  removal) has written its manifest and is about to RENAME / has renamed;
* ``gold-load-lease-wait`` - a gold-changing run waits for another one (the gold writer
  lease) and pauses before asking again (``reset-lease-wait``: kept, a reset never waits);
* ``copy-created:<table>`` / ``copy-filled:<table>`` - a reset created / filled a staging copy;
* ``swap-before-rename`` / ``swap-renamed`` - a reset is about to swap (holding the lease
  and gold publish locks, before it re-reads the gold generation) / has swapped;
* ``swap-recopy:<n>`` - a reset's swap found gold published since its copies and copies
  the changed tables again, the n-th time.
"""

from collections.abc import Callable

OnStep = Callable[[str], None]
CHUNK_LOADED = "chunk-loaded:"


def ignore_step(name: str) -> None:
    """Nothing happens at any point: the production hook."""
