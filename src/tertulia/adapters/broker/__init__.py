"""Brokers: in-process and Redis pub/sub adapters of one Broker port (see usecases.realtime)."""
