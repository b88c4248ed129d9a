"""工作台: the month and the year at a glance, and the statistical report export."""
