"""Training and offline evaluation: datasets, the ranker, metrics, baselines and tracking.

Submodules are imported explicitly (``from recommender.train.metrics import ndcg_at_k``) so that
importing this package stays cheap and pulls in no heavy libraries.
"""
