"""carecast.web"""
