// Placeholder until the transport lands; replaced by its public surface.
export {};
