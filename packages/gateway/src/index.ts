// The whole public surface of @wharf/gateway.
export {};
