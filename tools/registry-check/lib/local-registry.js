// Verdaccio with every published workspace in it: what CI installs from, and what `npm run
// registry` serves to try the packages before they are public.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { packAll, publish, publishedWorkspaces, stampVersion, writeNpmrc } from './packages.js';
import { startVerdaccio } from './verdaccio.js';

/**
 * Starts a private Verdaccio on loopback, packs every published workspace (they must be built)
 * under one version made for this run (`<version>-local.<timestamp>`) and publishes each tarball
 * with `npm publish`. Returns the registry's URL, that version, the packages and their tarballs,
 * and `stop()`.
 */
export async function startLocalRegistry({ port, log = () => {} } = {}) {
  const verdaccio = await startVerdaccio({ port, log });
  try {
    const packages = publishedWorkspaces();
    const dest = join(verdaccio.storage, 'tarballs');
    mkdirSync(dest);
    let started = Date.now();
    const version = `${packages[0].version}-local.${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`;
    const tarballs = await stampVersion(await packAll(packages, dest), version, dest);
    log(`packed ${tarballs.size} packages as ${version} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const npmrc = writeNpmrc(join(verdaccio.storage, 'publish.npmrc'), verdaccio.url, verdaccio.token);
    started = Date.now();
    await Promise.all(
      packages.map(async ({ name }) => {
        const tarball = tarballs.get(name);
        if (tarball === undefined) throw new Error(`npm pack made no tarball for ${name}`);
        await publish(tarball.file, npmrc);
        log(
          `published ${name}@${version} to ${verdaccio.url} (${tarball.files.length} files, ${(tarball.size / 1024).toFixed(0)} KiB)`,
        );
      }),
    );
    log(`published ${packages.length} packages in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { url: verdaccio.url, version, packages, tarballs, stop: verdaccio.stop };
  } catch (error) {
    await verdaccio.stop();
    throw error;
  }
}
