import { DEFAULT_MAX_JSON_DEPTH, JsonDepthGuard, jsonTooDeep } from '@wharf/core/transport';
import { describe, expect, it } from 'vitest';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('JSON nesting depth', () => {
  it('allows the limit and refuses one level more', () => {
    expect(DEFAULT_MAX_JSON_DEPTH).toBe(64);
    expect(jsonTooDeep(bytes(nested(64)))).toBe(false);
    expect(jsonTooDeep(bytes(nested(65)))).toBe(true);
    expect(jsonTooDeep(bytes(`{"a":${nested(63)}}`))).toBe(false);
    expect(jsonTooDeep(bytes(`{"a":{"b":${nested(63)}}}`))).toBe(true);
    expect(jsonTooDeep(bytes(nested(3)), 2)).toBe(true);
  });

  it('counts depth, not brackets: siblings do not add up', () => {
    expect(jsonTooDeep(bytes(`[${Array.from({ length: 1000 }, () => '[1]').join(',')}]`), 2)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonTooDeep(bytes(JSON.stringify({ s: '['.repeat(100) })), 2)).toBe(false);
    expect(jsonTooDeep(bytes(JSON.stringify({ s: `\\"${'{'.repeat(100)}` })), 2)).toBe(false);
    expect(jsonTooDeep(bytes(JSON.stringify({ s: '日本[[[[' })), 1)).toBe(false);
  });

  it('follows strings and escapes across chunk boundaries', () => {
    const text = JSON.stringify({ s: `a\\"[[[[[`, t: [[['x']]] });
    for (let cut = 1; cut < text.length; cut++) {
      const guard = new JsonDepthGuard(4);
      const ok = guard.feed(bytes(text.slice(0, cut))) && guard.feed(bytes(text.slice(cut)));
      expect(ok, `cut at ${cut}`).toBe(true);
      const strict = new JsonDepthGuard(3);
      expect(strict.feed(bytes(text.slice(0, cut))) && strict.feed(bytes(text.slice(cut))), `cut at ${cut}`).toBe(false);
    }
  });

  it('stays refused once refused', () => {
    const guard = new JsonDepthGuard(1);
    expect(guard.feed(bytes('[['))).toBe(false);
    expect(guard.feed(bytes(']]'))).toBe(false);
  });
});
