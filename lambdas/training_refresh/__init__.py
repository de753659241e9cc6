"""Lambda code of IMS training refresh: thin handlers over plain domain modules."""
