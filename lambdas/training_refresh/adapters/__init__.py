"""One adapter module per external system: ``mysql`` (the training database),
``object_store`` (S3) and ``data_api`` (Redshift through the Data API). The domain gets
what they build passed in; only they talk to pymysql and boto3 clients."""
