"""Outreach & Crime Trends: relate police community outreach to neighbourhood crime, honestly.

Importing the package first asks OpenBLAS for one thread. The matrices here are small (a
model of a few hundred columns at most), and OpenBLAS's worker threads spin while DuckDB and
other sessions hold the cores: on 2 busy cores one step of the event study's fit went from
0.3 ms to a p95 of 32 ms, and whole fits from 3 ms to 60-280 ms. One thread is about as fast
on an idle machine. OpenBLAS reads the setting when numpy loads it, so it only takes effect when
this package is imported before numpy (as in the app's pages); an explicit setting wins.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
