#!/usr/bin/env node
// `npm run registry`: every package, built from this checkout, in a private registry on loopback,
// for trying Wharf in a project of your own before the packages are public. Ctrl-C stops it.
import { startLocalRegistry } from './lib/local-registry.js';

const port = Number(process.env.PORT ?? 4873);
const registry = await startLocalRegistry({ port, log: (line) => console.log(line) });
console.log(`
In your project, point npm at it (this writes .npmrc in the current folder):

  npm config set registry ${registry.url} --location project
  npm install @wharf/core zod

or scaffold a new project:  npm create wharf@latest my-app --registry ${registry.url}

Packages not made here come from your usual registry through this one. Ctrl-C stops it and
deletes its storage.`);
const stop = () => registry.stop().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
