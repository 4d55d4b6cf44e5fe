#!/usr/bin/env node
// wharf: work with running Wharf services, the way grpcurl and moleculer-repl are used.
import { parseArgs } from 'node:util';
import { parseDuration, parseHeaders, parseInput, parseMethod, UsageError } from './args.js';
import { CALL_TRANSPORTS, type CallTransport, callMethod } from './call.js';
import { describeService } from './describe.js';
import { forward, TOOLS } from './forward.js';
import { instanceRows, table } from './services.js';
import { tailEvents } from './tail.js';
import { instancesOf, listInstances, openRegistry } from './where.js';

const USAGE = `wharf: work with running Wharf services

  wharf services [--no-probe]                 the services the registry knows: versions, instances, addresses, readiness
  wharf call SERVICE.METHOD [JSON]            call a method; prints its output as JSON
        [--transport http|grpc|amqp] [--header k=v]… [--timeout 2s] [--address URL]
  wharf describe SERVICE                      its methods and their input and output schemas
  wharf tail [PATTERN]                        events as they are published (AMQP; PATTERN like orders.* or #)

  --registry URL   where services are found: etcd://127.0.0.1:2379?namespace=…, eureka://host:8761/eureka,
                   static:greeter=http://127.0.0.1:3000 (default: $WHARF_REGISTRY, else etcd on 127.0.0.1)
  --json           machine-readable output (services, describe, tail)
  AMQP commands use the broker in $WHARF_AMQP_URL (default amqp://127.0.0.1:5672), namespace $WHARF_AMQP_NAMESPACE.

Transport tools (also run as wharf proto …, wharf amqp …, wharf kafka …, wharf registry …):
${TOOLS.map((t) => `  ${t.bin.padEnd(16)} ${t.what} (${t.pkg})`).join('\n')}`;

// Node's own message names the option; its error code (ERR_PARSE_ARGS_…) is not for users.
function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        registry: { type: 'string' },
        transport: { type: 'string', short: 't' },
        header: { type: 'string', short: 'H', multiple: true },
        timeout: { type: 'string' },
        address: { type: 'string' },
        json: { type: 'boolean' },
        'no-probe': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function main(argv: string[]): Promise<number> {
  const tool = TOOLS.find((t) => t.command === argv[0]);
  if (tool !== undefined) return forward(tool, argv.slice(1));
  const { values, positionals } = parseCommandLine(argv);
  const [command, first, second] = positionals;
  if (values.help || command === undefined || command === 'help') {
    console.log(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const print = (value: unknown) => console.log(JSON.stringify(value, null, values.json ? undefined : 2));

  if (command === 'tail') {
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    process.once('SIGTERM', () => stop.abort());
    const { stopped } = await tailEvents({
      url: process.env.WHARF_AMQP_URL ?? 'amqp://127.0.0.1:5672',
      namespace: process.env.WHARF_AMQP_NAMESPACE || undefined,
      pattern: first ?? '#',
      signal: stop.signal,
      onEvent: (event) =>
        console.log(
          values.json ? JSON.stringify(event) : `${event.timestamp ?? ''} ${event.name} ${JSON.stringify(event.payload)}`,
        ),
    });
    console.error(`wharf: watching events matching ${first ?? '#'} (Ctrl-C stops)`);
    await stopped;
    return 0;
  }

  if (command === 'call' && values.address !== undefined) {
    const { service, method, major } = parseMethod(first);
    const transport = values.address.slice(0, values.address.indexOf(':')) as CallTransport;
    if (!CALL_TRANSPORTS.includes(transport) || !values.address.startsWith(`${transport}://`)) {
      throw new UsageError(
        `--address must be a URL starting with ${CALL_TRANSPORTS.map((t) => `${t}://`).join(', ')} (e.g. http://127.0.0.1:3000); got ${JSON.stringify(values.address)}`,
      );
    }
    print(await callMethod(transport, request(service, method, major ?? 1, values.address, second, values)));
    return 0;
  }

  const registry = openRegistry(values.registry);
  try {
    switch (command) {
      case 'services': {
        const rows = await instanceRows(await listInstances(registry), values['no-probe'] !== true);
        if (values.json) print(rows);
        else if (rows.length === 0) console.log('The registry knows no service instance.');
        else
          console.log(
            table(
              ['SERVICE', 'VERSION', 'INSTANCE', 'ADDRESS', 'READINESS'],
              rows.map((r) => [r.service, r.version, r.instance, r.address, r.readiness]),
            ),
          );
        return 0;
      }
      case 'call': {
        const { service, method, major } = parseMethod(first);
        const transport = (values.transport ?? 'http') as CallTransport;
        if (!CALL_TRANSPORTS.includes(transport))
          throw new UsageError(`--transport must be one of ${CALL_TRANSPORTS.join(', ')}`);
        const [instance] = await instancesOf(registry, service, transport, major);
        const instanceMajor = Number(instance!.version.split('.')[0]);
        print(await callMethod(transport, request(service, method, instanceMajor, instance!.address, second, values)));
        return 0;
      }
      case 'describe': {
        if (first === undefined) throw new UsageError('describe needs a SERVICE');
        const description = await describeService(first, await registry.lookup(first));
        if (values.json) print(description);
        else {
          console.log(`${first} ${description.version} (from ${description.address})`);
          for (const m of description.methods) {
            console.log(`\n  ${m.name}${m.stream === 'unary' ? '' : ` [${m.stream} stream]`}${m.route ? `  ${m.route}` : ''}`);
            console.log(`    input:  ${JSON.stringify(m.input)}`);
            console.log(`    output: ${JSON.stringify(m.output)}`);
          }
        }
        return 0;
      }
      default:
        throw new UsageError(`Unknown command ${JSON.stringify(command)}`);
    }
  } finally {
    await registry.close();
  }
}

function request(
  service: string,
  method: string,
  major: number,
  address: string,
  input: string | undefined,
  values: { header?: string[]; timeout?: string },
) {
  return {
    address,
    service,
    method,
    major,
    input: parseInput(input),
    metadata: parseHeaders(values.header ?? []),
    timeoutMs: values.timeout === undefined ? 10_000 : parseDuration(values.timeout),
  };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const e = error as { code?: string; message?: string; details?: unknown };
    if (error instanceof UsageError) console.error(`wharf: ${e.message}\n\n${USAGE}`);
    else if (typeof e.code === 'string' && /^[A-Z_]+$/.test(e.code)) {
      console.error(`wharf: ${e.code}: ${e.message}${e.details === undefined ? '' : ` ${JSON.stringify(e.details)}`}`);
    } else console.error(`wharf: ${e.message ?? String(error)}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
