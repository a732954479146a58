"""Kafka events: the topic catalogue, Avro schemas and (de)serialisation."""
