"""Offline evaluation: pure ranking metrics and the time-split protocol (model vs baselines).

Submodules are imported explicitly (``from recommender.evaluation.metrics import ndcg_at_k``) so
that importing this package stays cheap and pulls in no heavy libraries. Training, plots,
notebooks and the bench all measure through it.
"""
