"""The rule implementations, one module per 903 table family; importing registers them."""

from carecast.dferules.rules import episodes, header, periods  # noqa: F401
