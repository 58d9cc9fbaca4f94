"""FLIS: the municipalities' shared management-information warehouse as a Dagster asset graph."""
