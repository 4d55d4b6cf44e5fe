/**
 * True when event `name` matches topic `pattern`, with AMQP topic-exchange semantics: words are
 * separated by dots, `*` matches exactly one word and `#` matches zero or more.
 */
export function matchTopic(pattern: string, name: string): boolean {
  return matchWords(pattern.split('.'), 0, name.split('.'), 0);
}

function matchWords(pattern: readonly string[], p: number, words: readonly string[], w: number): boolean {
  while (p < pattern.length) {
    const word = pattern[p];
    if (word === '#') {
      if (p === pattern.length - 1) return true;
      for (let skip = w; skip <= words.length; skip++) {
        if (matchWords(pattern, p + 1, words, skip)) return true;
      }
      return false;
    }
    if (w >= words.length || (word !== '*' && word !== words[w])) return false;
    p++;
    w++;
  }
  return w === words.length;
}
