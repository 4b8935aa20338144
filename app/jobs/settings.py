"""Settings of the job queue and its workers (``HAZARDMAP_JOBS_*``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class JobSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAZARDMAP_JOBS_", env_file=".env", extra="ignore")

    # Jobs one `hazardmap worker` runs at once (``--concurrency`` overrides it). An import holds a
    # database connection and a core's worth of work; on a small server one or two is right.
    concurrency: int = Field(default=1, ge=1, le=64)
    # A worker writes its heartbeat this often; a worker silent for `stalled_s` is taken for dead,
    # and the jobs it was running are retried (or failed) by the next stalled-job check.
    heartbeat_s: float = Field(default=10.0, gt=0)
    stalled_s: float = Field(default=30.0, gt=0)
    # How often some worker looks for stalled jobs (one of them per period, whatever their number).
    stalled_check_s: int = Field(default=15, ge=1, le=59)
    # A job whose worker died is run again this many times; after that it is failed.
    stalled_retries: int = Field(default=1, ge=0)
    # A worker asked to stop (SIGTERM, Ctrl-C) finishes its running jobs first; after this many
    # seconds it aborts those still running (an import is then failed, nothing written). 0: no limit.
    shutdown_s: float = Field(default=0.0, ge=0)
    # Finished jobs are kept this long in the queue's table (the import's own record is kept forever).
    keep_finished_hours: int = Field(default=7 * 24, ge=1)
    # A poster's, report's or detection run's result is kept this long after it was made, then deleted.
    results_keep_hours: int = Field(default=24, ge=1, le=24 * 366)


@lru_cache
def get_job_settings() -> JobSettings:
    return JobSettings()
