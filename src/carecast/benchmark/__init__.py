"""carecast.benchmark"""
