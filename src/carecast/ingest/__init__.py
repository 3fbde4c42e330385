"""carecast.ingest"""
