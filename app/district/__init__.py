"""The district server ``labor-district``: receives station batches, serves reference data and
notices down, and shows the district dashboard. FastAPI + Uvicorn + SQLAlchemy."""
