"""Domain rules: enums, validators, reference data, the case workflow. No Qt, no SQL."""
