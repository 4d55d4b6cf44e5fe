import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';

/** Reads W3C trace context and baggage from Wharf metadata (lower-case keys, string values). */
export const metadataGetter: TextMapGetter<Readonly<Record<string, string>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key.toLowerCase()],
};

/** Writes them into an outgoing call's metadata, which every transport carries to the callee. */
export const metadataSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key.toLowerCase()] = value;
  },
};
