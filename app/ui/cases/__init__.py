"""The 调解案件 section (issue 4): list, intake, case page, agreements, printing."""
