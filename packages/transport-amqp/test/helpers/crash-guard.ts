import { afterAll, afterEach, beforeAll, expect } from 'vitest';

/**
 * Fails the test during which an unhandled rejection or uncaught exception happened: a
 * transport must handle every amqplib error and every promise it creates.
 */
export function installCrashGuard(): void {
  const errors: unknown[] = [];
  const onRejection = (reason: unknown) => errors.push(reason);
  const onException = (error: unknown) => errors.push(error);
  beforeAll(() => {
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
  });
  afterEach(async () => {
    // Rejections are reported after a turn of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const seen = errors.splice(0);
    expect(seen, 'unhandled rejections or uncaught exceptions').toEqual([]);
  });
  afterAll(() => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  });
}
