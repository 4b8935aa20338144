"""What the tests share: the harness's users and databases, known places and ledgers, and helpers
that drive the API, the browser and the workflow. Plain modules, imported by name; the shared
fixtures are in ``tests.support.fixtures``, which the root conftest registers as a plugin."""
