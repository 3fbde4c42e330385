"""carecast.market"""
