"""The gold-load workflow's steps as plain functions over typed messages.

``plan`` validates the request, takes the refresh lease and records the customers found;
``load`` loads one table group ("config") chunk by chunk, with ``extract`` (Data API
statements, anonymization) and ``merge`` (MySQL); ``report`` writes the run report and
releases the lease. ``work`` holds the chunking and the run's work files. The handlers in
``handlers/gold_load.py`` only build the adapters these take.
"""
