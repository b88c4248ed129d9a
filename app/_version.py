# Written at build time by build.spec from pyproject.toml; the value here is the fallback for a
# bare checkout.
VERSION = "0.1.0"
