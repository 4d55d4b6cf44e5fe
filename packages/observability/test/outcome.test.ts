// observeDone: how tracing and metrics watch a call end without adding a step to its answer.
import { describe, expect, it, vi } from 'vitest';
import { observeDone } from '../src/outcome.js';

const later = <T>(value: T) => new Promise<T>((resolve) => setImmediate(() => resolve(value)));

describe('observeDone', () => {
  it('hands back the call’s own promise and ends before the caller’s reaction runs', async () => {
    const order: string[] = [];
    const result = later('answer');
    const observed = observeDone(result, false, (error) => order.push(`end ${String(error)}`));
    expect(observed).toBe(result);
    await observed.then(() => order.push('caller'));
    expect(order).toEqual(['end undefined', 'caller']);
  });

  it('ends with the error of a rejected call, and the caller still gets the rejection', async () => {
    const end = vi.fn();
    const failure = new Error('boom');
    const result = Promise.reject(failure);
    await expect(observeDone(result, false, end)).rejects.toBe(failure);
    expect(end).toHaveBeenCalledWith(failure);
    const reasonless = Promise.reject(undefined);
    await expect(observeDone(reasonless, false, end)).rejects.toBeUndefined();
    expect(end.mock.calls[1]?.[0]).toBeInstanceOf(Error);
  });

  it('drops what an observer throws: the answer stands and nothing is left unhandled', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const thrower = () => {
        throw new Error('observer bug');
      };
      await expect(observeDone(later('ok'), false, thrower)).resolves.toBe('ok');
      const failure = new Error('call failed');
      await expect(observeDone(Promise.reject(failure), false, thrower)).rejects.toBe(failure);
      await later(undefined);
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('waits for a stream to end before ending', async () => {
    const end = vi.fn();
    async function* numbers() {
      yield 1;
      yield 2;
    }
    const stream = (await observeDone(Promise.resolve(numbers()), true, end)) as AsyncIterable<number>;
    expect(end).not.toHaveBeenCalled();
    const seen: number[] = [];
    for await (const n of stream) seen.push(n);
    expect(seen).toEqual([1, 2]);
    expect(end).toHaveBeenCalledTimes(1);
  });
});
