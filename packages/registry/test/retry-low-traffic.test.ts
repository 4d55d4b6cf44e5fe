// A caller that makes few calls must still go to another instance when the one it chose refuses
// the connection: the retry budget's ratio alone (10 % of calls) allows no retry at all before the
// tenth call of a window, so with the defaults a killed instance failed the calls of a quiet client.
import { describe, expect, it } from 'vitest';
import { flakyClient, startFlaky } from './helpers/flaky.js';

describe('retries with the default budget, for a quiet caller', () => {
  it('the first calls of a window that hit a refused connection go to the other instance', async () => {
    const gone = await startFlaky('gone');
    const good = await startFlaky('good');
    await gone.app.stop(); // killed: its port refuses, but it is still listed
    const { app, client } = await flakyClient([gone, good]); // every default
    try {
      const answers: unknown[] = [];
      for (let i = 0; i < 9; i++) answers.push(await client.write({}).catch((e: unknown) => (e as Error).message));
      expect(answers).toEqual(Array.from({ length: 9 }, () => ({ from: 'good' })));
    } finally {
      await app.stop();
      await good.app.stop();
    }
  });
});
