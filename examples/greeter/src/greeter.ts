import { setTimeout as sleep } from 'node:timers/promises';
import { type Context, type InputOf, On, type PayloadOf, Rpc, Service, WharfError } from '@wharf/core';
import { greeter } from './contract.js';

// A Map, not an object literal: `LANGUAGES[code]` on an object finds Object.prototype's members
// too, so `toString` or `valueOf` from a request would be a "language". Look up what callers send
// in a Map (or check Object.hasOwn) wherever the key comes from outside.
const LANGUAGES: ReadonlyMap<string, { name: string; greeting: string }> = new Map([
  ['en', { name: 'English', greeting: 'Hello' }],
  ['fr', { name: 'French', greeting: 'Bonjour' }],
  ['de', { name: 'German', greeting: 'Hallo' }],
  ['es', { name: 'Spanish', greeting: 'Hola' }],
  ['ja', { name: 'Japanese', greeting: 'Konnichiwa' }],
]);

function lookup(code: string) {
  const language = LANGUAGES.get(code);
  if (language === undefined) {
    throw new WharfError('NOT_FOUND', `No greeting for language "${code}"; known: ${[...LANGUAGES.keys()].join(', ')}`, {
      resource: 'language',
      code,
    });
  }
  return language;
}

/** The greeter service: written once, served over every transport the app is given. */
@Service(greeter)
export class Greeter {
  #greeted = 0;

  @Rpc(greeter.methods.greet)
  async greet({ name, language }: InputOf<typeof greeter.methods.greet>, ctx: Context) {
    const { greeting } = lookup(language);
    await ctx.emit(greeter.events.greeted, { name, language, at: new Date().toISOString() });
    return { message: `${greeting}, ${name}!` };
  }

  @Rpc(greeter.methods.language)
  async language({ code }: InputOf<typeof greeter.methods.language>) {
    return { code, ...lookup(code) };
  }

  @Rpc(greeter.methods.countdown)
  async *countdown({ from, intervalMs }: InputOf<typeof greeter.methods.countdown>, ctx: Context) {
    for (let n = from; n >= 0; n--) {
      yield { n };
      if (intervalMs > 0 && n > 0) await sleep(intervalMs, undefined, { signal: ctx.signal });
    }
  }

  @Rpc(greeter.methods.stats)
  async stats() {
    return { greeted: this.#greeted };
  }

  @On(greeter.events.greeted)
  async onGreeted(_event: PayloadOf<typeof greeter.events.greeted>) {
    this.#greeted++;
  }
}
