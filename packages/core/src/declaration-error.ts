/**
 * A service declaration that cannot be served: thrown at start-up (by `createApp`,
 * `defineContract`, `defineService`, …), naming each problem with its class and method.
 */
export class DeclarationError extends Error {
  /** Every problem found, one line each, e.g. `Greeter.greet: @Rpc has no output schema …`. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid service declaration:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }

  override get name(): string {
    return 'DeclarationError';
  }
}

/** Throws a DeclarationError when `problems` is not empty. */
export function throwIfProblems(problems: readonly string[]): void {
  if (problems.length > 0) throw new DeclarationError(problems);
}
