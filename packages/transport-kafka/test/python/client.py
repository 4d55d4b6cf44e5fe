"""A Kafka client for Wharf events written from docs/transports/kafka.md alone, with confluent-kafka.

    python client.py emit BROKERS NAMESPACE EVENT KEY JSON_PAYLOAD   # prints the event id
    python client.py receive BROKERS NAMESPACE EVENT                 # prints the first event as JSON
"""
import json
import sys
import uuid
from datetime import datetime, timezone

from confluent_kafka import Consumer, Producer


def topic_of(namespace, event):
    # "The topic of an event is the namespace, a dot, and the event name" (Topics and groups).
    return f"{namespace}.{event}" if namespace else event


def emit(brokers, namespace, event, key, payload):
    # "Emitting an event": idempotent producer, acks=all, the CloudEvents headers, JSON value.
    producer = Producer({"bootstrap.servers": brokers, "enable.idempotence": True, "acks": "all"})
    event_id = str(uuid.uuid4())
    now = datetime.now(timezone.utc)
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", event_id.encode()),
        ("ce_type", event.encode()),
        ("ce_source", b"python-client"),
        ("ce_time", now.isoformat().encode()),
        ("content-type", b"application/json"),
        ("x-wharf-timestamp-ms", str(int(now.timestamp() * 1000)).encode()),
        ("x-request-id", b"py-req-1"),
        ("traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
    ]
    errors = []
    producer.produce(
        topic_of(namespace, event),
        key=key.encode(),
        value=json.dumps(payload).encode(),
        headers=headers,
        on_delivery=lambda err, _msg: errors.append(err) if err else None,
    )
    # "An emit is done when the broker acknowledged it": flush waits for the acknowledgement.
    if producer.flush(30) != 0 or errors:
        raise SystemExit(f"not acknowledged: {errors}")
    print(event_id)


def receive(brokers, namespace, event):
    # "Consuming events beside Wharf services": your own group, from the earliest offset.
    consumer = Consumer(
        {
            "bootstrap.servers": brokers,
            "group.id": f"python-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic_of(namespace, event)])
    try:
        for _ in range(300):
            message = consumer.poll(0.2)
            if message is None:
                continue
            if message.error():
                continue
            headers = {k: v.decode() for k, v in (message.headers() or [])}
            print(
                json.dumps(
                    {
                        "key": message.key().decode() if message.key() is not None else None,
                        "headers": headers,
                        "payload": json.loads(message.value()),
                    }
                )
            )
            consumer.commit(message=message, asynchronous=False)
            return
        raise SystemExit("no event within 60 s")
    finally:
        consumer.close()


if __name__ == "__main__":
    command, brokers, namespace, event, *rest = sys.argv[1:]
    if command == "emit":
        emit(brokers, namespace, event, rest[0], json.loads(rest[1]))
    elif command == "receive":
        receive(brokers, namespace, event)
    else:
        raise SystemExit(__doc__)
