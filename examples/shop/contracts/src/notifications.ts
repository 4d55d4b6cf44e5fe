import { defineContract } from '@wharf/core';
import * as z from 'zod';
import { Millis } from './common.js';

export const Message = z.object({ id: z.string(), subject: z.string(), body: z.string(), sentAt: Millis });

/** The messages the shop "sent" the signed-in user. */
export const notifications = defineContract({
  name: 'notifications',
  version: '1.0.0',
  methods: {
    list: {
      input: z.strictObject({}),
      output: z.object({ messages: z.array(Message) }),
      http: { method: 'GET', path: '/notifications' },
      auth: 'authenticated',
      idempotent: true,
    },
  },
});
