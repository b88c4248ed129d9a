"""Station statistics for a period: figures from the store, the .xlsx report, the one-page PDF."""
