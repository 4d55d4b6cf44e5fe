#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { drainCommand, listCommand, parseWeights, routeCommand, UsageError, watchCommand } from './cli-commands.js';
import { registryFromUrl } from './from-url.js';

const USAGE = `wharf-registry: look at and steer the services in a registry

  wharf-registry list [SERVICE]                       instances and routing rules
  wharf-registry watch [SERVICE]                      instances as they come and go (Ctrl-C stops)
  wharf-registry route SERVICE --weights 1=90,2=10    split traffic between releases
  wharf-registry switch SERVICE RELEASE               send all traffic to one release (blue-green)
  wharf-registry drain INSTANCE [--undo]              stop (or resume) traffic to an app instance

  --registry URL   etcd://127.0.0.1:2379?namespace=default (default: $WHARF_REGISTRY, else that)`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      registry: { type: 'string' },
      weights: { type: 'string' },
      undo: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, first, second] = positionals;
  if (values.help || command === undefined) {
    console.log(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const registry = registryFromUrl(values.registry ?? process.env.WHARF_REGISTRY ?? 'etcd://127.0.0.1:2379');
  const out = { line: (text: string) => console.log(text) };
  const need = (value: string | undefined, what: string) => {
    if (value === undefined) throw new UsageError(`${command} needs ${what}`);
    return value;
  };
  try {
    switch (command) {
      case 'list':
        await listCommand(registry, out, first);
        break;
      case 'watch': {
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        process.once('SIGTERM', () => stop.abort());
        await watchCommand(registry, out, stop.signal, first);
        break;
      }
      case 'route':
        await routeCommand(registry, out, need(first, 'a SERVICE'), parseWeights(need(values.weights, '--weights 1=90,2=10')));
        break;
      case 'switch':
        await routeCommand(registry, out, need(first, 'a SERVICE'), { [need(second, 'a RELEASE')]: 100 });
        break;
      case 'drain':
        await drainCommand(registry, out, need(first, 'an INSTANCE'), values.undo === true);
        break;
      default:
        throw new UsageError(`Unknown command ${JSON.stringify(command)}`);
    }
    return 0;
  } finally {
    await registry.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof UsageError ? `${error.message}\n\n${USAGE}` : `wharf-registry: ${(error as Error).message}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
