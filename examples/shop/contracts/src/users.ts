import { defineContract } from '@wharf/core';
import * as z from 'zod';
import { Id } from './common.js';

export const Address = z.object({
  id: Id,
  label: z.string().max(40),
  line1: z.string().max(120),
  city: z.string().max(60),
  postcode: z.string().max(16),
  country: z.string().length(2),
});
export type Address = z.infer<typeof Address>;

/** What a client may send for an address: no id, no owner (strict: other keys are refused). */
export const NewAddress = z.strictObject({
  label: z.string().min(1).max(40),
  line1: z.string().min(1).max(120),
  city: z.string().min(1).max(60),
  postcode: z.string().min(1).max(16),
  country: z.string().regex(/^[A-Z]{2}$/),
});

export const Profile = z.object({
  subject: z.string(),
  name: z.string(),
  email: z.string(),
  addresses: z.array(Address),
});
export type Profile = z.infer<typeof Profile>;

/**
 * Users: profiles and addresses of the signed-in user. Who the user is comes from the token (the
 * provider's `sub`), never from the input.
 */
export const users = defineContract({
  name: 'users',
  version: '1.0.0',
  methods: {
    me: {
      input: z.strictObject({}),
      output: Profile,
      http: { method: 'GET', path: '/me' },
      auth: 'authenticated',
      idempotent: true,
      description: 'The caller’s profile (created on first use).',
    },
    updateProfile: {
      input: z.strictObject({ name: z.string().min(1).max(80), email: z.email().max(120) }),
      output: Profile,
      http: { method: 'PUT', path: '/me' },
      auth: 'authenticated',
      idempotent: true,
    },
    addAddress: {
      input: NewAddress,
      output: Address,
      http: { method: 'POST', path: '/me/addresses', status: 201 },
      auth: 'authenticated',
    },
    address: {
      input: z.strictObject({ id: Id }),
      output: Address,
      http: { method: 'GET', path: '/me/addresses/:id' },
      auth: 'authenticated',
      idempotent: true,
      description: 'One of the caller’s addresses; another user’s is NOT_FOUND.',
    },
  },
});
