import { throwIfProblems } from './declaration-error.js';
import { type ServiceDefinition, STREAM_KINDS } from './endpoint.js';
import { eventPatternProblem, methodNameProblem, serviceNameProblem, versionProblem } from './names.js';
import { isSchema } from './validation.js';

/** Problems with the options of one RPC declaration; `where` prefixes each. */
export function rpcOptionsProblems(options: unknown, where: string): string[] {
  if (typeof options !== 'object' || options === null) {
    return [`${where}: expected options { input, output }, got ${typeof options}`];
  }
  const { input, output, stream, timeoutMs } = options as Record<string, unknown>;
  const problems: string[] = [];
  if (input === undefined) problems.push(`${where}: has no input schema; add \`input: z.object({ … })\``);
  else if (!isSchema(input)) problems.push(`${where}: input is not a zod 4 schema`);
  if (output === undefined) problems.push(`${where}: has no output schema; add \`output: z.object({ … })\``);
  else if (!isSchema(output)) problems.push(`${where}: output is not a zod 4 schema`);
  if (stream !== undefined && !STREAM_KINDS.includes(stream as never)) {
    problems.push(`${where}: stream ${JSON.stringify(stream)} is not one of ${STREAM_KINDS.join(', ')}`);
  }
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0)) {
    problems.push(`${where}: timeoutMs must be a positive number of milliseconds`);
  }
  return problems;
}

/** Problems with the options of one event subscription; `where` prefixes each. */
export function onOptionsProblems(pattern: unknown, options: unknown, where: string): string[] {
  const problems: string[] = [];
  const patternProblem = eventPatternProblem(pattern);
  if (patternProblem) problems.push(`${where}: ${patternProblem}`);
  if (typeof options !== 'object' || options === null) {
    return [...problems, `${where}: expected options { input }, got ${typeof options}`];
  }
  const { input, output } = options as Record<string, unknown>;
  if (input === undefined) problems.push(`${where}: has no input schema; add \`input: z.object({ … })\``);
  else if (!isSchema(input)) problems.push(`${where}: input is not a zod 4 schema`);
  if (output !== undefined) {
    problems.push(`${where}: an event handler cannot have an output schema (events have no reply); remove \`output\``);
  }
  return problems;
}

/** Problems with one normalised service: names, handlers, duplicates. */
export function serviceProblems(service: ServiceDefinition): string[] {
  const problems: string[] = [];
  const where = service.source;
  const nameProblem = serviceNameProblem(service.name);
  if (nameProblem) problems.push(`${where}: ${nameProblem}`);
  const vProblem = versionProblem(service.version);
  if (vProblem) problems.push(`${where}: ${vProblem}`);

  // Proto rpc names are the method name with its first letter upper-cased, so `greet` and
  // `Greet` would collide there even though they differ here.
  const seen = new Map<string, string>();
  for (const endpoint of [...service.rpcs, ...service.events]) {
    const problem = methodNameProblem(endpoint.name);
    if (problem) problems.push(`${endpoint.source}: ${problem}`);
    if (typeof endpoint.handler !== 'function') {
      problems.push(`${endpoint.source}: the handler is not a function (got ${typeof endpoint.handler})`);
    }
    const key = endpoint.name.toLowerCase();
    const previous = seen.get(key);
    if (previous !== undefined) {
      problems.push(
        `${endpoint.source}: duplicate handler name "${endpoint.name}" in service "${service.name}" (also ${previous})`,
      );
    } else {
      seen.set(key, endpoint.source);
    }
  }
  for (const rpc of service.rpcs) problems.push(...rpcOptionsProblems(rpc, rpc.source));
  for (const event of service.events) problems.push(...onOptionsProblems(event.pattern, event, event.source));
  return problems;
}

/** Checks every service of an app; throws one DeclarationError listing every problem. */
export function checkServices(services: readonly ServiceDefinition[]): void {
  const problems = services.flatMap(serviceProblems);
  const seen = new Map<string, string>();
  for (const service of services) {
    const key = `${service.name}@${service.major}`;
    const previous = seen.get(key);
    if (previous !== undefined) {
      problems.push(`${service.source}: service "${service.name}" v${service.major} is declared twice (also ${previous})`);
    } else {
      seen.set(key, service.source);
    }
  }
  throwIfProblems(problems);
}
