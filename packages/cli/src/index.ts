// @wharf/cli as a library: what the `wharf` command does, for scripts and tests.
export { parseDuration, parseHeaders, parseMethod, UsageError } from './args.js';
export { CALL_TRANSPORTS, type CallRequest, type CallTransport, callMethod } from './call.js';
export { describeService, type MethodDescription } from './describe.js';
export { TOOLS, type Tool } from './forward.js';
export { type InstanceRow, instanceRows, readinessOf } from './services.js';
export { type TailedEvent, tailEvents } from './tail.js';
