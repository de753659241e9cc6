"""The names of the environment variables the Lambda code reads, in one place.

``settings.py`` uses them as the aliases of its fields; the stack (``stacks/``), the local
runtime and the tests import them to build environments, so a name is spelled once. This
module imports nothing, so the stack can read it without loading the Lambda runtime.
"""

from enum import StrEnum


class EnvName(StrEnum):
    """``IMS_*`` settings of the Lambda functions (see ``settings.py`` for their meaning)."""

    WORK_BUCKET = "IMS_WORK_BUCKET"
    TRAINING_DB_SECRET_ARN = "IMS_TRAINING_DB_SECRET_ARN"  # noqa: S105 - a variable name
    TRAINING_DB_SECRET_MAX_AGE_SECONDS = "IMS_TRAINING_DB_SECRET_MAX_AGE_SECONDS"  # noqa: S105
    TRAINING_DB_NAME = "IMS_TRAINING_DB_NAME"
    TRAINING_DB_HOST = "IMS_TRAINING_DB_HOST"
    TRAINING_DB_PORT = "IMS_TRAINING_DB_PORT"
    TRAINING_DB_TLS = "IMS_TRAINING_DB_TLS"
    TRAINING_DB_CA_BUNDLE = "IMS_TRAINING_DB_CA_BUNDLE"
    CUSTOMERS_PER_CHUNK = "IMS_CUSTOMERS_PER_CHUNK"
    DATA_API_FIRST_POLL_SECONDS = "IMS_DATA_API_FIRST_POLL_SECONDS"
    REDSHIFT_DATABASE = "IMS_REDSHIFT_DATABASE"
    REDSHIFT_CLUSTER_ID = "IMS_REDSHIFT_CLUSTER_ID"
    REDSHIFT_WORKGROUP = "IMS_REDSHIFT_WORKGROUP"
    REDSHIFT_SECRET_ARN = "IMS_REDSHIFT_SECRET_ARN"  # noqa: S105 - a variable name
    REDSHIFT_DB_USER = "IMS_REDSHIFT_DB_USER"
    GOLD_LOAD_LEASE_SECONDS = "IMS_GOLD_LOAD_LEASE_SECONDS"
    GOLD_LOAD_WAIT_SECONDS = "IMS_GOLD_LOAD_WAIT_SECONDS"
    RESET_LEASE_SECONDS = "IMS_RESET_LEASE_SECONDS"
    RESET_WAIT_SECONDS = "IMS_RESET_WAIT_SECONDS"
    LEASE_POLL_SECONDS = "IMS_LEASE_POLL_SECONDS"


class PowertoolsEnvName(StrEnum):
    """The Powertools variables the stack and the local runtime set."""

    SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"
    METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE"
    LOG_LEVEL = "POWERTOOLS_LOG_LEVEL"
    TRACE_DISABLED = "POWERTOOLS_TRACE_DISABLED"
    METRICS_DISABLED = "POWERTOOLS_METRICS_DISABLED"
    TRACER_CAPTURE_RESPONSE = "POWERTOOLS_TRACER_CAPTURE_RESPONSE"
    TRACER_CAPTURE_ERROR = "POWERTOOLS_TRACER_CAPTURE_ERROR"
