"""``python -m streams.worker``: run every pipeline stage in one Faust worker process.

Scale out by starting more workers (same consumer group): Kafka spreads the
partitions among them.
"""

from __future__ import annotations

import logging

import faust

from core.settings import get_settings
from streams.app import Pipeline


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    pipeline = Pipeline(get_settings())
    pipeline.anchor_offsets()
    worker = faust.Worker(pipeline.app, loglevel="INFO", quiet=True)
    worker.execute_from_commandline()


if __name__ == "__main__":
    main()
