"""carecast.scenarios"""
