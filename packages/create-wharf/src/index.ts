// create-wharf as a library: what `npm create wharf` runs, for tools that scaffold programmatically.
export { ownVersion, packageNameOf, type ScaffoldOptions, scaffold, TEMPLATES, type TemplateName } from './scaffold.js';
