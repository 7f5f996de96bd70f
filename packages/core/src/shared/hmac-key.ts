/**
 * A server HMAC key, one per purpose. A function is deployed with only the keys it uses (stacks/), so
 * one function's configuration never yields another's keys; a key it was not given fails where it
 * would be used, naming the purpose, instead of at init.
 */
export function hmacKey(key: Buffer | undefined, purpose: string): Buffer {
  if (!key) throw new Error(`This function is deployed without the ${purpose} key`);
  return key;
}
