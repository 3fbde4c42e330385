"""carecast.forecast"""
