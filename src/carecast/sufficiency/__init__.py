"""carecast.sufficiency"""
