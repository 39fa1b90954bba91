"""Training: candidate sets, the LightGBM ranker, MLflow tracking and the retraining job.

Submodules are imported explicitly (``from recommender.train.ranker import train_ranker``) so
that importing this package stays cheap and pulls in no heavy libraries. Metrics and the
evaluation protocol live in :mod:`recommender.evaluation`.
"""
