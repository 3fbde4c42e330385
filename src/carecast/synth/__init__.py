"""carecast.synth: realistic synthetic SSDA903 returns from stated, seeded parameters.

``generate(out_dir, councils=6, years=(2015, 2024), seed=0)`` writes one folder per council and
collection year in the real 903 CSV format, a postcode lookup and a provider register, and returns
the clean truth plus the list of flaws it planted in the files. Parameters: ``data/params.yaml``.
"""

from carecast.synth.defects import KINDS as DEFECT_KINDS
from carecast.synth.defects import PlantedDefect
from carecast.synth.generate import SynthResult, generate, parse_years
from carecast.synth.params import Params, load_params

__all__ = [
    "DEFECT_KINDS",
    "Params",
    "PlantedDefect",
    "SynthResult",
    "generate",
    "load_params",
    "parse_years",
]
