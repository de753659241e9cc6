"""The commands of ``ims-refresh``, one module each; ``ims_refresh.cli`` builds the parser
from :data:`ims_refresh.cli.COMMANDS`.

Each module has ``register(commands)``, which adds its parser (``options.add_command``:
help, examples, the global options) and sets ``handler``, the function that runs it:
``handler(arguments) -> ExitCode``. Adding a command is a new module with ``register`` and
one line in ``COMMANDS``; adding a subcommand (``run gold-remove``) is one more parser in
its module (docs/development.md, "Adding a command").

Two halves: ``start``, ``status`` and ``runs`` (the operator half) need boto3 and the
project's own code only; ``run``, ``demo`` and ``seed-warehouse`` (the local half) import
their implementation (moto, psycopg: the ``[local]`` extra) inside their handler, when
they run, so the operator half installs and starts without them.
"""
