#!/usr/bin/env node
// wharf-kafka: operations on the Kafka transport (see docs/transports/kafka.md, "Operations").
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { serviceInModule } from '@wharf/core/transport';
import { asyncApiDocument, type KafkaContractLike } from './asyncapi.js';
import { type DeadLetter, listDeadLetters, replayDeadLetters } from './dead-letters.js';

const USAGE = `Usage:
  wharf-kafka dlq list <service> [--brokers HOST:PORT,...] [--namespace NS] [--limit N] [--all] [--json]
      Lists a service's dead-lettered events (they stay in the topic); --all includes replayed ones.
  wharf-kafka dlq replay <service> (--id EVENT_ID ... | --all) [--brokers ...] [--namespace NS]
      Sends chosen dead letters back to the handler they name.
  wharf-kafka asyncapi <module> [--service NAME] [--brokers ...] [--namespace NS] [--out FILE]
      Prints the AsyncAPI 3 document of the service a module exports, e.g. wharf-kafka asyncapi ./dist/index.js

  --brokers defaults to $KAFKA_BROKERS, else 127.0.0.1:9092.`;

class UsageError extends Error {}

function describe(letter: DeadLetter): string {
  const when = letter.deadLetteredAt === undefined ? '' : ` at ${new Date(letter.deadLetteredAt).toISOString()}`;
  const body = letter.body.length > 200 ? `${letter.body.slice(0, 199)}…` : letter.body;
  return [
    `${letter.id ?? '(no id)'}  ${letter.event ?? '(no event name)'}  from ${letter.emitter ?? '?'}${letter.replayed ? '  (replayed)' : ''}`,
    `  ${letter.code ?? '?'}: ${letter.message ?? '(no message)'}`,
    `  attempts ${letter.attempts ?? '?'}, handler ${letter.handler ?? '?'}, source topic ${letter.sourceTopic ?? '?'}${when}`,
    `  body ${body}`,
  ].join('\n');
}

async function asyncapi(module: string, values: Record<string, unknown>): Promise<void> {
  const exports = (await import(pathToFileURL(resolve(module)).href)) as Record<string, unknown>;
  const chosen = serviceInModule(exports, module, values.service as string | undefined);
  if ('problem' in chosen) throw new UsageError(chosen.problem);
  const document = asyncApiDocument({
    contract: chosen.contract as KafkaContractLike | undefined,
    service: chosen.service,
    brokers: values.brokers as string | undefined,
    namespace: values.namespace as string | undefined,
  });
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (typeof values.out === 'string') await writeFile(values.out, text);
  else process.stdout.write(text);
}

async function main(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      brokers: { type: 'string' },
      namespace: { type: 'string' },
      limit: { type: 'string' },
      id: { type: 'string', multiple: true },
      all: { type: 'boolean' },
      json: { type: 'boolean' },
      service: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, sub, arg] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UsageError('--limit must be a positive integer');
  if (command === 'asyncapi') {
    if (sub === undefined) throw new UsageError('asyncapi needs the path of a module');
    return asyncapi(sub, values);
  }
  if (command !== 'dlq' || (sub !== 'list' && sub !== 'replay') || arg === undefined) {
    throw new UsageError(`Unknown command: ${positionals.join(' ')}`);
  }
  const common = { brokers: values.brokers, namespace: values.namespace, service: arg, limit };
  if (sub === 'list') {
    const letters = await listDeadLetters({ ...common, includeReplayed: values.all });
    if (values.json) process.stdout.write(`${JSON.stringify(letters, null, 2)}\n`);
    else {
      process.stdout.write(`${letters.length} dead letter(s) in ${arg}'s dead-letter topic${letters.length > 0 ? ':' : ''}\n`);
      for (const letter of letters) process.stdout.write(`${describe(letter)}\n`);
    }
    return;
  }
  if (!values.all && (values.id?.length ?? 0) === 0) throw new UsageError('replay needs --id EVENT_ID (repeatable) or --all');
  const result = await replayDeadLetters({ ...common, ids: values.id, all: values.all });
  if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    for (const letter of result.replayed) process.stdout.write(`replayed ${letter.id} (${letter.event}) to ${letter.handler}\n`);
    for (const id of result.notFound) process.stdout.write(`not found: ${id}\n`);
    for (const skip of result.skipped) process.stdout.write(`skipped ${skip.id}: ${skip.reason}\n`);
  }
  if (result.notFound.length > 0 || result.skipped.length > 0) process.exitCode = 1;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) process.stderr.write(`${error.message}\n\n${USAGE}\n`);
  else process.stderr.write(`wharf-kafka: ${(error as Error).message}\n`);
  process.exitCode = 2;
});
