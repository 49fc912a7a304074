/**
 * Credentials a URL carries in itself: `user:pass@` userinfo and query parameters that hold a
 * token or key (`?access_token=…`, robot webhooks). A config field that is not marked secret
 * (a `baseUrl`) may still have one typed into it; reads show it masked, and a form sending the
 * masked URL back keeps the stored one (see account-config.ts).
 */

/** Query parameter names whose value is a credential. */
const CREDENTIAL_PARAM =
  /^(access_?token|token|key|api_?key|apikey|secret|client_?secret|sign|signature|sig|password|passwd|pwd|auth|authorization|credential|x-amz-signature)$/i;

/**
 * The URL with its userinfo and credential parameters replaced by `mask`, or undefined when
 * `value` is not an absolute URL or carries no credential.
 *
 * @example maskUrlCredentials('https://u:p@h/x?access_token=abc&a=1', '***') // 'https://***@h/x?access_token=***&a=1'
 * @example maskUrlCredentials('https://h/x', '***') // undefined
 */
export function maskUrlCredentials(value: string, mask: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const userinfo = Boolean(url.username || url.password);
  url.username = '';
  url.password = '';
  const params = new Set([...url.searchParams.keys()].filter((k) => CREDENTIAL_PARAM.test(k)));
  if (!userinfo && params.size === 0) return undefined;
  for (const k of params) url.searchParams.set(k, mask);
  // URL percent-encodes the mask in the query; it reads better as typed.
  const text = url.toString().replaceAll(encodeURIComponent(mask), mask);
  return userinfo ? text.replace('://', `://${mask}@`) : text;
}
