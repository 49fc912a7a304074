/**
 * Replaces every occurrence of the given secrets in `text` with `***`, raw and in the encodings
 * a request carries them (URL component, form field), so a message built from an error that
 * quotes a request (`corpsecret=…`, `apikey=…`, `access_token=…`) is safe to keep and log.
 * Every provider scrubs with this one rule.
 *
 * @example scrub('GET /gettoken?corpsecret=s3cr3t failed', ['s3cr3t']) // 'GET /gettoken?corpsecret=*** failed'
 */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (!s) continue;
    for (const form of new Set([s, encodeURIComponent(s), new URLSearchParams({ s }).toString().slice(2)])) {
      out = out.split(form).join('***');
    }
  }
  return out;
}
