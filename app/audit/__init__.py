"""The audit trail as people read it (操作记录): per record, station-wide, and at the district."""
