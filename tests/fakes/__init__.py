"""Tiny recording fakes of the adapters the domain and the handlers take.

They record what they were asked and answer from a script; none of them imitates more of
a system than the tests that use it need. Where a fake stands for a boto3 client, it is a
real client answered by botocore's Stubber (``redshift_data``), so every request and
response is checked against the service model.
"""
