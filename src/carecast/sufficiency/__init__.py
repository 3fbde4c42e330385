"""Sufficiency: forecast demand per placement category against the capacity a council (or a
region) has, the gap per financial year at p50 and p90, and the capacity plan that closes it."""

from carecast.sufficiency.capacity import Beds, Capacity, FosterHouseholds, load_capacity, parse_capacity
from carecast.sufficiency.gap import SufficiencyResult, sufficiency_gap

__all__ = ["Beds", "Capacity", "FosterHouseholds", "SufficiencyResult", "load_capacity", "parse_capacity", "sufficiency_gap"]
