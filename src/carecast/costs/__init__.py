"""carecast.costs"""
