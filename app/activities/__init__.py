"""Activities of the plan (the five "one" and others), the work team, model units (core, no Qt)."""
