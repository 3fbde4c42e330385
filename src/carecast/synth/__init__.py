"""carecast.synth"""
