"""Printed documents (ReportLab PDFs) and Excel reports."""
