// The catalog as its own process: configuration from the environment (see @wharf/shop-platform).
import { runFromEnv } from '@wharf/shop-platform';
import { catalogService } from './service.js';

await runFromEnv(catalogService);
