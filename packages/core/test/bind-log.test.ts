// ServerCall.bindLog: binding a key that is already on the request's logger.
import { type CallMiddleware, defineContract, implement } from '@wharf/core';
import { createTestApp } from '@wharf/core/testing';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const b = defineContract({ name: 'b', version: 1, methods: { inspect: { input: z.object({}), output: z.object({}) } } });

async function lineOf(middleware: CallMiddleware): Promise<string> {
  const raw: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => raw.push(line) });
  const logging = implement(b, {
    async inspect(_i, ctx) {
      ctx.log.info('inside the handler');
      return {};
    },
  });
  const app = await createTestApp({
    services: [logging],
    logger,
    middleware: { server: ({ validation }) => [middleware, validation] },
  });
  await app.client(b).inspect({}, { metadata: { 'x-request-id': 'req-bound' } });
  await app.stop();
  return raw.find((l) => l.includes('inside the handler')) as string;
}

describe('bindLog', () => {
  it('a key bound again after ctx.log was read is on the line once, with its last value (as before the read)', async () => {
    const beforeRead = await lineOf((call, next) => {
      if (call.side === 'server') {
        call.bindLog({ tenant: 'a' });
        call.bindLog({ tenant: 'b' });
      }
      return next();
    });
    expect(beforeRead.split('"tenant"').length - 1).toBe(1);

    const afterRead = await lineOf((call, next) => {
      if (call.side === 'server') {
        call.bindLog({ tenant: 'a' });
        call.log.debug('touch');
        call.bindLog({ tenant: 'b' });
      }
      return next();
    });
    expect(JSON.parse(afterRead).tenant).toBe('b');
    // Duplicate keys in one JSON line: Elasticsearch refuses the document.
    expect(afterRead.split('"tenant"').length - 1).toBe(1);
  });

  it('binding requestId after ctx.log was read does not write requestId twice', async () => {
    const line = await lineOf((call, next) => {
      if (call.side === 'server') {
        call.log.debug('touch');
        call.bindLog({ requestId: 'rebound' });
      }
      return next();
    });
    expect(line.split('"requestId"').length - 1).toBe(1);
  });
});
