#!/usr/bin/env node
// npm create wharf [folder] [--template service|services]
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { scaffold, TEMPLATES, type TemplateName } from './scaffold.js';

const USAGE = `npm create wharf [folder] [-- --template NAME]

  Creates a Wharf project in a new folder (default: wharf-app). Templates:
${Object.entries(TEMPLATES)
  .map(([name, what]) => `    ${name.padEnd(10)} ${what}`)
  .join('\n')}
  Default: service.`;

function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { template: { type: 'string', short: 't' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dir = positionals[0] ?? 'wharf-app';
  const template = (values.template ?? 'service') as TemplateName;
  scaffold({ dir, template });
  const where = relative(process.cwd(), dir) || '.';
  console.log(`Created ${where} from the "${template}" template. Next:

  cd ${where}
  npm install
  npm test          # the unit tests, with the fault-injecting test transport
  npm run dev       # watch mode, readable logs
  npm run build && npm start

Its README says how to call it and how to add gRPC or AMQP.`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(`create-wharf: ${(error as Error).message}\n\n${USAGE}`);
  process.exitCode = 1;
}
