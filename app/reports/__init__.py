"""Periodic reports (季度、半年、年度): the ledger's figures per county and for the city, and 双下降."""
