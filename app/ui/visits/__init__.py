"""企业走访: visits, the problem ledger and credit notes."""
