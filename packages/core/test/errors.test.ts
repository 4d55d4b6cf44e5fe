import { readFileSync } from 'node:fs';
import { defineContract, ERROR_CODES, type ErrorCode, implement, WharfError } from '@wharf/core';
import { createTestApp } from '@wharf/core/testing';
import { codeFromGrpcStatus, codeFromHttpStatus, grpcStatusOf, httpStatusOf, toWharfError } from '@wharf/core/transport';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

// The codes table of docs/errors.md, read from the page itself, so the page cannot drift from
// the code: a row changed there (a status, a code, a missing row) fails these tests.
function documentedTable(): Record<ErrorCode, [grpc: number, http: number]> {
  const page = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const section = page.slice(page.indexOf('## The mapping'));
  const rows: Record<string, [number, number]> = {};
  for (const line of section.split('\n')) {
    const match = /^\|\s*`([A-Z_]+)`\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|/.exec(line);
    if (match) rows[match[1] as string] = [Number(match[2]), Number(match[3])];
    if (Object.keys(rows).length > 0 && !line.startsWith('|')) break;
  }
  return rows as Record<ErrorCode, [number, number]>;
}
const EXPECTED = documentedTable();

const failing = defineContract({
  name: 'failing',
  version: 1,
  methods: {
    fail: { input: z.object({ code: z.enum(ERROR_CODES) }), output: z.object({}) },
    crash: { input: z.object({}), output: z.object({}) },
  },
});

const service = implement(failing, {
  async fail({ code }) {
    throw new WharfError(code, `failed with ${code}: ünïcode & "quotes"`, { code, nested: { list: [1, 2] } });
  },
  async crash() {
    throw new Error('secret connection string postgres://admin:hunter2@db');
  },
});

describe('error model', () => {
  it('has exactly the 16 canonical codes', () => {
    expect([...ERROR_CODES].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(ERROR_CODES)('%s maps to its gRPC and HTTP status', (code) => {
    const [grpc, http] = EXPECTED[code];
    expect(grpcStatusOf(code)).toBe(grpc);
    expect(codeFromGrpcStatus(grpc)).toBe(code);
    expect(httpStatusOf(code)).toBe(http);
    expect(new WharfError(code, 'x').httpStatus).toBe(http);
    expect(new WharfError(code, 'x').grpcStatus).toBe(grpc);
  });

  it('maps statuses from peers that are not Wharf', () => {
    expect(codeFromGrpcStatus(0)).toBe('UNKNOWN');
    expect(codeFromGrpcStatus(42)).toBe('UNKNOWN');
    expect(codeFromHttpStatus(502)).toBe('UNAVAILABLE');
    expect(codeFromHttpStatus(503)).toBe('UNAVAILABLE');
    expect(codeFromHttpStatus(504)).toBe('DEADLINE_EXCEEDED');
    expect(codeFromHttpStatus(418)).toBe('UNKNOWN');
    expect(codeFromHttpStatus(413)).toBe('RESOURCE_EXHAUSTED');
    expect(codeFromHttpStatus(408)).toBe('DEADLINE_EXCEEDED');
    expect(codeFromHttpStatus(500)).toBe('INTERNAL');
    expect(codeFromHttpStatus(401)).toBe('UNAUTHENTICATED');
  });

  it.each(ERROR_CODES)('%s thrown by a handler reaches the caller as the same typed error', async (code) => {
    const app = await createTestApp({ services: [service] });
    const error = await app
      .client(failing)
      .fail({ code })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WharfError);
    expect(error).toMatchObject({
      code,
      message: `failed with ${code}: ünïcode & "quotes"`,
      details: { code, nested: { list: [1, 2] } },
    });
    await app.stop();
  });

  it('wire form survives JSON and never carries a stack or cause', () => {
    const original = new WharfError('NOT_FOUND', 'no such order', { id: 7 }, { cause: new Error('db') });
    const wire = JSON.parse(JSON.stringify(original));
    expect(wire).toEqual({ code: 'NOT_FOUND', message: 'no such order', details: { id: 7 } });
    const back = WharfError.fromWire(wire);
    expect(back).toBeInstanceOf(WharfError);
    expect(back.toWire()).toEqual(original.toWire());
  });

  it('a malformed wire error becomes UNKNOWN instead of throwing', () => {
    expect(WharfError.fromWire('nonsense').code).toBe('UNKNOWN');
    expect(WharfError.fromWire({ code: 'TEAPOT', message: 3, details: [1] }).toWire()).toEqual({
      code: 'UNKNOWN',
      message: 'The peer answered with an error without a message',
    });
  });

  it('recognises WharfErrors from another copy of the package by brand', () => {
    const foreign = Object.create(WharfError.prototype);
    expect(WharfError.is(foreign)).toBe(true);
    expect(WharfError.is(new Error('x'))).toBe(false);
    expect(toWharfError(new TypeError('boom')).code).toBe('INTERNAL');
    expect(toWharfError(new TypeError('boom')).message).toBe('Internal error');
  });

  it('an unknown exception becomes INTERNAL: nothing leaks, the original is logged with the request id', async () => {
    const lines: Record<string, unknown>[] = [];
    const { pino } = await import('pino');
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const app = await createTestApp({ services: [service], logger });
    const error = (await app
      .client(failing)
      .crash({}, { metadata: { 'x-request-id': 'req-crash-1' } })
      .catch((e: unknown) => e)) as WharfError;
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toBe('Internal error (request id req-crash-1)');
    expect(JSON.stringify(error.toWire())).not.toContain('hunter2');
    expect(error.stack ?? '').not.toContain('hunter2');
    const logged = lines.find((l) => l.requestId === 'req-crash-1' && l.level === 50);
    expect(logged?.msg).toContain('threw an unexpected error');
    expect(JSON.stringify(logged)).toContain('hunter2');
    await app.stop();
  });
});
