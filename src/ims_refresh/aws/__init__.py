"""The operator half of ``ims-refresh``: start, follow and inspect the workflows deployed in
AWS. Needs boto3 and the project's own code only (never moto, psycopg or ``ims_refresh.local``).

- ``settings``: the ``IMS_*``/``AWS_*`` variables naming a deployment, as one model;
- ``targets``: where the deployed workflows are (options, stack outputs, variables);
- ``client``: boto3 clients per region and AWS errors turned into the two CLI outcomes;
- ``start``: ``start gold-load|reset``; ``waiting``: ``--wait`` (progress, timeout, signals);
- ``views``: what ``status`` and ``runs`` show about an execution; ``inspect``: those commands.
"""
