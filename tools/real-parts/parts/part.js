// The shape every real part has; `cli.js` drives them through it.

/**
 * A server the tests use, which `tools/services` can install, start, probe and stop.
 * @typedef {object} Part
 * @property {string} name what to type: `tools/services up <name>`
 * @property {string} title
 * @property {string} purpose what needs it
 * @property {string} env the environment variable with its address
 * @property {string} defaultUrl the loopback address used when `env` is unset
 * @property {readonly { pkg: string, present: () => boolean }[]} packages Debian packages it needs
 * @property {(url: string) => Promise<string>} probe a real protocol check: resolves with a detail
 * @property {number} startTimeoutMs
 * @property {string} logFile the main log's file name (a glob) in its log folder
 * @property {(say: (line: string) => void) => Promise<void>} [prepare] downloads/builds into the cache
 * @property {() => Promise<void>} start starts it (the caller then waits for the probe)
 * @property {() => Promise<boolean>} stop stops what `start` started; false when nothing was running
 */

/**
 * A command-line tool the tests drive (installed, never started).
 * @typedef {object} Tool
 * @property {string} name
 * @property {string} title
 * @property {string} purpose
 * @property {readonly { pkg: string, present: () => boolean }[]} packages
 * @property {() => string} version
 */

export {};
