// ECS log lines: the fields Elasticsearch expects, core's request fields renamed so none clashes
// with ECS (`service` is an object there), errors as error.*, the request log as event.*.
import { createApp, defineContract, implement, WharfError } from '@wharf/core';
import { ecsLogger, observability } from '@wharf/observability';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { capture } from './capture.js';

const notes = defineContract({
  name: 'notes',
  version: '2.1.0',
  methods: { add: { input: z.object({ text: z.string() }), output: z.object({ id: z.int() }) } },
});

describe('ECS logs', () => {
  it('writes ECS fields on every line, with core request fields under wharf.*', async () => {
    const { stream, lines } = capture();
    const obs = observability({
      metrics: false,
      tracing: false,
      logs: { serviceVersion: '2.1.0', destination: stream, level: 'debug' },
    });
    const app = createApp({
      ...obs.app,
      name: 'notes',
      shutdown: { signals: false },
      services: [
        implement(notes, {
          add({ text }, ctx) {
            ctx.log.info({ length: text.length }, 'adding a note');
            if (text === 'crash') throw new Error('disk full');
            if (text === '') throw new WharfError('INVALID_ARGUMENT', 'empty note');
            return { id: 1 };
          },
        }),
      ],
    });
    await app.start();
    await app.client(notes).add({ text: 'hello' }, { metadata: { 'x-request-id': 'req-42' } });
    await expect(app.client(notes).add({ text: 'crash' })).rejects.toMatchObject({ code: 'INTERNAL' });
    await app.stop();

    const line = lines.find((l) => l.message === 'adding a note');
    expect(line).toMatchObject({
      '@timestamp': expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      'log.level': 'info',
      'log.logger': 'notes',
      'ecs.version': expect.any(String),
      'service.name': 'notes',
      'service.version': '2.1.0',
      'service.node.name': app.instanceId,
      'process.pid': process.pid,
      'host.hostname': expect.any(String),
      'wharf.request_id': 'req-42',
      'wharf.service': 'notes',
      'wharf.method': 'add',
      length: 5,
    });
    // Nothing that Elasticsearch would map against ECS: no plain `service`, `msg`, `level` or `time`.
    for (const l of lines) {
      for (const key of ['service', 'msg', 'level', 'time', 'requestId', 'method', 'transport'])
        expect(l).not.toHaveProperty(key);
    }
    const requestLine = lines.find((l) => l['wharf.code'] === 'OK');
    expect(requestLine).toMatchObject({ 'event.outcome': 'success', 'event.duration': expect.any(Number), 'log.level': 'debug' });
    const crash = lines.find((l) => (l.error as { message?: string } | undefined)?.message === 'disk full');
    expect(crash).toMatchObject({ 'log.level': 'error', error: { type: 'Error' }, 'wharf.method': 'add' });
    expect((crash?.error as { stack_trace?: string } | undefined)?.stack_trace).toContain('disk full');
    expect(lines.find((l) => l['wharf.code'] === 'INTERNAL')).toMatchObject({ 'event.outcome': 'failure' });
  });

  it('names the service after the app unless told otherwise', () => {
    const { stream, lines } = capture();
    const logger = ecsLogger({ destination: stream, serviceName: 'billing', serviceEnvironment: 'staging' })({
      name: 'app',
      instanceId: 'app-1',
    });
    logger.child({ transport: 'http' }).warn('hi');
    expect(lines[0]).toMatchObject({
      'service.name': 'billing',
      'service.environment': 'staging',
      'service.node.name': 'app-1',
      'wharf.transport': 'http',
      message: 'hi',
    });
  });
});
