"""Analysis, publication and assessment (Art. 16, 20–23): dashboard counts, unit metrics and scores, 热点/难点/堵点,
the printed 考核通报 and 工作简报, exports with the office's approval, public open data, versioned weights.

Reads tickets, never changes them. May import ``engine.common``, ``engine.docstore`` and the layers below them.
"""
from . import counties, exports, findings, matters, metrics, open_data, reports, tables, weights

__all__ = ["counties", "exports", "findings", "matters", "metrics", "open_data", "reports", "tables", "weights"]
