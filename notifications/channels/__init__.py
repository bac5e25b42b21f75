"""Delivery channels beyond the in-app inbox. Each adapter turns one outbox message into one
provider request and reports the outcome as a `DeliveryResult`."""
