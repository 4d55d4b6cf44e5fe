import { DeclarationError } from '@wharf/core';
import { expect } from 'vitest';

/** The problems of the DeclarationError that `make` throws; fails the test if it throws none. */
export function problemsOf(make: () => unknown): readonly string[] {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(DeclarationError);
    return (error as DeclarationError).problems;
  }
  throw new Error('expected a DeclarationError');
}
