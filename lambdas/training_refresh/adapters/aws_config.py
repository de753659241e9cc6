"""The botocore ``Config`` every AWS client of the Lambdas is made with.

botocore's defaults are a 60 s connect timeout, a 60 s read timeout and the *legacy* retry
mode. In a private subnet without the VPC endpoint (or NAT) a service needs, a connection
attempt then hangs for a minute per try, and the invocation ends as a Lambda timeout that
names nothing (docs/deploy.md, "Networking"). With 5 s to connect the same fault surfaces
within seconds as botocore's ``ConnectTimeoutError`` naming the endpoint.

* ``connect_timeout=5``: a TCP/TLS handshake to a regional endpoint or a VPC endpoint takes
  milliseconds; 5 s leaves room for a cold ENI without hiding a missing route.
* ``read_timeout=30``: our calls are small control-plane requests (Data API describe and
  result pages, Secrets Manager, Step Functions, S3 objects of a few MB); none waits on the
  server for long — the Data API runs a statement asynchronously and we poll it.
* ``retries``: botocore's *standard* mode retries throttling and transient 5xx answers
  with exponential backoff, jitter and a retry quota (legacy mode has neither the quota nor
  the full list of transient codes); 5 attempts in all, the first included (the mode's
  default is 3), a margin for the Data API's throttling bursts.

``tests/unit/test_aws_client_config.py`` checks that every ``boto3.client`` call of the
Lambda package passes this config.
"""

from __future__ import annotations

from botocore.config import Config

CLIENT_CONFIG = Config(
    connect_timeout=5,
    read_timeout=30,
    retries={"mode": "standard", "total_max_attempts": 5},
)
