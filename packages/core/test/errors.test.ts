import { defineContract, ERROR_CODES, type ErrorCode, implement, WharfError } from '@wharf/core';
import { createTestApp } from '@wharf/core/testing';
import { codeFromGrpcStatus, codeFromHttpStatus, grpcStatusOf, httpStatusOf, toWharfError } from '@wharf/core/transport';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

// The table in docs/errors.md, restated independently of the implementation.
const EXPECTED: Record<ErrorCode, [grpc: number, http: number]> = {
  CANCELLED: [1, 499],
  UNKNOWN: [2, 500],
  INVALID_ARGUMENT: [3, 400],
  DEADLINE_EXCEEDED: [4, 504],
  NOT_FOUND: [5, 404],
  ALREADY_EXISTS: [6, 409],
  PERMISSION_DENIED: [7, 403],
  RESOURCE_EXHAUSTED: [8, 429],
  FAILED_PRECONDITION: [9, 412],
  ABORTED: [10, 409],
  OUT_OF_RANGE: [11, 400],
  UNIMPLEMENTED: [12, 501],
  INTERNAL: [13, 500],
  UNAVAILABLE: [14, 503],
  DATA_LOSS: [15, 500],
  UNAUTHENTICATED: [16, 401],
};

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
