// One copy of OpenTelemetry's SDK: the packages @wharf/observability imports are the ones the Node
// SDK loads. Two copies of @opentelemetry/core keep two global error handlers (the SDK's failures
// in one, the OTLP processor's in the other) and twice the install; it happened when this package
// asked for 2.12.1 while sdk-node 0.223.0 pins 2.12.0. The pins in package.json follow sdk-node's.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const fromObservability = createRequire(new URL('../package.json', import.meta.url));
const sdkNode = fromObservability.resolve('@opentelemetry/sdk-node');
const fromSdkNode = createRequire(join(dirname(sdkNode), 'index.js'));
const fromOtlpProto = createRequire(join(dirname(fromSdkNode.resolve('@opentelemetry/exporter-trace-otlp-proto')), 'index.js'));

describe('OpenTelemetry packages', () => {
  it.each([
    ['@opentelemetry/core', fromSdkNode],
    ['@opentelemetry/sdk-trace-base', fromSdkNode],
    ['@opentelemetry/resources', fromSdkNode],
    ['@opentelemetry/otlp-exporter-base', fromOtlpProto],
    ['@opentelemetry/otlp-transformer', fromOtlpProto],
  ])('%s is the copy the Node SDK uses', (name, fromSdk) => {
    expect(fromObservability.resolve(name)).toBe(fromSdk.resolve(name));
  });
});
