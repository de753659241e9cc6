"""The Powertools logger, tracer and metrics every handler shares."""

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "ims-training-refresh"
METRICS_NAMESPACE = "IMSTrainingRefresh"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)
