// Files holding key material (the keyring, the JWT secret) are refused when group or others may
// access them, as ssh refuses such a private key: a key others could read or replace is no key.

/** The end of the message refusing such a file. */
export const NOT_PRIVATE = 'must not be accessible by group or others (chmod 600)';

export function isPrivateMode(mode: number): boolean {
  return (mode & 0o077) === 0;
}
