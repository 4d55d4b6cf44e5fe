export { startLocalRegistry } from './lib/local-registry.js';
export { codeBlocks, isTypeScript } from './lib/markdown.js';
export { ATTW_PROFILE, attwProblems, publintMessages, publishedWorkspaces, ROOT } from './lib/packages.js';
export { newProject, waitForHttp } from './lib/project.js';
export { freePort, startVerdaccio } from './lib/verdaccio.js';
