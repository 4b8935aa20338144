"""The crash records' vocabulary, with zh/en labels (see app.vocab for the ledger's own)."""

from __future__ import annotations

from app.vocab import Labelled


class Procedure(Labelled):
    """How the police handled the crash; the ordinary procedure means injury or serious damage."""

    simple = ("simple", "简易程序", "simple procedure")
    ordinary = ("ordinary", "一般程序", "ordinary procedure")


class CandidateKind(Labelled):
    point = ("point", "事故易发多发点", "accident-prone point")
    segment = ("segment", "事故易发多发路段", "accident-prone segment")


class CandidateStatus(Labelled):
    candidate = ("candidate", "待研判", "awaiting review")
    accepted = ("accepted", "已纳入台账", "accepted into the ledger")
    dismissed = ("dismissed", "已排除", "dismissed")
