"""Enterprise visits, the problem ledger, wage-arrears risk and credit notes (core, no Qt)."""
