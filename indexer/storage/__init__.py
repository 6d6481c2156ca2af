"""The application store (vacancies, portfolios, exposure) and the durable vacancy index.

* :mod:`~indexer.storage.protocol` — the repository and change-log interfaces, the stored
  document form, what the SQL backends share;
* :mod:`~indexer.storage.sqlite` — the SQLite backends (plain, and durable with change log);
* :mod:`~indexer.storage.postgres` — the PostgreSQL backend; :mod:`~indexer.storage.pg_connect`
  its connection helpers;
* :mod:`~indexer.storage.factory` — which backend a process opens (from the settings or a URL);
* :mod:`~indexer.storage.migrations` — versioned SQL of both backends;
* :mod:`~indexer.storage.vacancy_index` — the FAISS index of the stored vacancies, caught up
  from the change log.
"""
