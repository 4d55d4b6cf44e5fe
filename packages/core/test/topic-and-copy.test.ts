import { matchTopic } from '@wharf/core/transport';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('topic patterns (AMQP topic-exchange semantics)', () => {
  it.each([
    ['orders.created', 'orders.created', true],
    ['orders.created', 'orders.deleted', false],
    ['orders.*', 'orders.created', true],
    ['orders.*', 'orders.created.eu', false],
    ['orders.*', 'orders', false],
    ['orders.#', 'orders', true],
    ['orders.#', 'orders.created.eu', true],
    ['#', 'anything.at.all', true],
    ['#.eu', 'orders.created.eu', true],
    ['#.eu', 'eu', true],
    ['*.created.#', 'orders.created', true],
    ['*.created.#', 'created', false],
    ['a.#.z', 'a.z', true],
    ['a.#.z', 'a.b.c.z', true],
    ['a.#.z', 'a.b.c', false],
  ])('%s vs %s → %s', (pattern, name, expected) => {
    expect(matchTopic(pattern, name)).toBe(expected);
  });

  it('a literal pattern matches exactly itself, and # matches everything', () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9_-]{0,5}$/);
    const name = fc.array(word, { minLength: 1, maxLength: 5 }).map((w) => w.join('.'));
    fc.assert(
      fc.property(name, name, (a, b) => {
        expect(matchTopic(a, b)).toBe(a === b);
        expect(matchTopic('#', b)).toBe(true);
      }),
    );
  });
});
