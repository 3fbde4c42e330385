"""carecast.snapshot"""
