// Every real part tools/services knows, in the order `up` lists them.
import { etcd, postgres, prometheus, rabbitmq, redis } from './debian.js';
import { jaeger } from './go.js';
import { eureka, kafka } from './java.js';
import { chromium, protoc } from './tools.js';

/** Servers, by name. */
export const PARTS = { rabbitmq, postgres, etcd, kafka, eureka, prometheus, redis, jaeger };

/** Command-line tools, by name. */
export const TOOLS = { chromium, protoc };
