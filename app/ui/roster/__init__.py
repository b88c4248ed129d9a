"""企业名录: the roster list, the import dialog, the enterprise page and form (Qt)."""
