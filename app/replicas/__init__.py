"""Read replicas: which database a request reads from.

Writes, and the reads of a client that wrote a moment ago, go to the primary; the heavy reads
(lists, tiles, OGC API, exports, stats, the ledger) go to a streaming replica when
``HAZARDMAP_DATABASE_REPLICA_URLS`` names any, round-robin, and to the primary while none answers.
"""
