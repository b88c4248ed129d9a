"""The ``labor-station`` command line."""
