import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { type FakeReply, type FakeRequest, startFakeHttp } from '../../../testkit/fake-http.ts';
import { checkSendBody, googleErrorReply } from './fake-message.ts';
import { type FakeExchange, fakeOAuth } from './fake-oauth.ts';

/**
 * A fake FCM for tests (never imported by production code): Google's token endpoint for one
 * service account (fake-oauth.ts: RS256 signature with the account's public key, claims,
 * expiry) and the HTTP v1 `messages:send` of one project (fake-message.ts: message shape and
 * token form), answering in Google's shapes. Access tokens expire on command; tokens can be
 * marked unregistered or of another project; failures, delays and counters for tests.
 */

/** A message FCM accepted. */
export type FakeFcmMessage = Readonly<{
  name: string;
  token: string;
  message: Readonly<Record<string, unknown>>;
  at: number;
}>;

/**
 * A failure to inject into `messages:send`: an HTTP status with Google's error body (its
 * FcmError `errorCode`, a canonical `status` other than the code's, a Retry-After header), or a
 * raw body (a proxy's page).
 */
export type FakeFcmFailure = Readonly<{
  status: number;
  errorCode?: string;
  grpcStatus?: string;
  message?: string;
  retryAfter?: string;
  raw?: string;
}>;

export type FcmFake = Readonly<{
  /** Point an account's `baseUrl` here… */
  baseUrl: string;
  /** …and its `tokenUri` here. */
  tokenUri: string;
  projectId: string;
  clientEmail: string;
  /** Calls that reached each endpoint, whatever they came to. */
  calls(endpoint: 'token' | 'send'): number;
  /** Sends refused for their access token (HTTP 401 UNAUTHENTICATED). */
  readonly tokenRefusals: number;
  /** Assertions the token endpoint took, decoded, in order. */
  exchanges: readonly FakeExchange[];
  /** Access tokens issued so far. */
  issuedTokens(): string[];
  /** Accepted messages in arrival order. */
  messages: FakeFcmMessage[];
  requests: FakeRequest[];
  /** Well-formed tokens whose app instance is gone: 404 UNREGISTERED. */
  unregistered: Set<string>;
  /** Tokens of another Firebase project: 403 SENDER_ID_MISMATCH. */
  foreignTokens: Set<string>;
  /** Every access token issued so far expires now: the next send with one answers 401. */
  expireTokens(): void;
  /** The next `times` (default 1) sends with a valid access token fail with `f`. */
  failSends(f: FakeFcmFailure, times?: number): void;
  /** The next `times` (default 1) token requests answer `reply` instead. */
  failTokens(reply: FakeReply, times?: number): void;
  /** Holds every answer back by `ms` (0: none). */
  delay(ms: number): void;
  close(): Promise<void>;
}>;

/**
 * A device token of the form the fake accepts (an instance id and an `APA91…` registration).
 *
 * @example fakeDeviceToken() // 'dQw4w9WgXcQ-abcdefghij:APA91b…'
 */
export const fakeDeviceToken = (): string =>
  `${randomBytes(16).toString('base64url')}:APA91b${randomBytes(105).toString('base64url')}`;

/**
 * A service account key pair for tests: a fresh 2048-bit RSA key, the private half as PKCS#8 PEM
 * (as a service-account JSON key holds it).
 *
 * @example const { privateKey, publicKey } = testServiceAccountKey();
 */
export function testServiceAccountKey(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

const UNAUTHENTICATED_TEXT =
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

/**
 * Starts the fake on a local port for the service account whose public key is `publicKey`.
 *
 * @example
 * const key = testServiceAccountKey();
 * const fake = await startFcmFake({ publicKey: key.publicKey });
 * // config: { projectId: fake.projectId, clientEmail: fake.clientEmail, privateKey: key.privateKey,
 * //           tokenUri: fake.tokenUri, baseUrl: fake.baseUrl }
 * fake.expireTokens();
 * await fake.close();
 */
export async function startFcmFake(opts: {
  publicKey: string;
  projectId?: string;
  clientEmail?: string;
  privateKeyId?: string;
  tokenTtlS?: number;
  now?: () => number;
}): Promise<FcmFake> {
  const projectId = opts.projectId ?? `app-${randomBytes(4).toString('hex')}`;
  const clientEmail = opts.clientEmail ?? `push@${projectId}.iam.gserviceaccount.com`;
  const now = opts.now ?? Date.now;
  let tokenUri = '';
  const oauth = fakeOAuth({
    clientEmail,
    publicKey: opts.publicKey,
    ...(opts.privateKeyId ? { privateKeyId: opts.privateKeyId } : {}),
    tokenUri: () => tokenUri,
    ttlS: opts.tokenTtlS ?? 3599,
    now,
  });
  const counts = { token: 0, send: 0 };
  let tokenRefusals = 0;
  let sendFailure: { f: FakeFcmFailure; left: number } = { f: { status: 500 }, left: 0 };
  let tokenFailure: { reply: FakeReply; left: number } = { reply: { status: 500 }, left: 0 };
  let delayMs = 0;
  const messages: FakeFcmMessage[] = [];
  const unregistered = new Set<string>();
  const foreignTokens = new Set<string>();
  const sendPath = `/v1/projects/${projectId}/messages:send`;

  const injected = (f: FakeFcmFailure): FakeReply => {
    const headers = f.retryAfter ? { 'retry-after': f.retryAfter } : undefined;
    if (f.raw !== undefined) return { status: f.status, body: f.raw, ...(headers ? { headers } : {}) };
    return googleErrorReply(f.status, f.message ?? 'injected failure', {
      ...(f.errorCode ? { errorCode: f.errorCode } : {}),
      ...(f.grpcStatus ? { status: f.grpcStatus } : {}),
      ...(headers ? { headers } : {}),
    });
  };

  const send = (req: FakeRequest): FakeReply => {
    counts.send++;
    const auth = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    if (!auth || !oauth.check(auth[1]!)) {
      tokenRefusals++;
      return googleErrorReply(401, UNAUTHENTICATED_TEXT, {
        headers: { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' },
      });
    }
    if (req.path !== sendPath) {
      const other = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(req.path)?.[1] ?? '';
      return googleErrorReply(
        403,
        `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${other}' (or it may not exist).`,
      ); // ◐ text
    }
    if (sendFailure.left > 0) {
      sendFailure.left--;
      return injected(sendFailure.f);
    }
    if (!req.headers['content-type']?.startsWith('application/json')) {
      return googleErrorReply(400, 'Invalid JSON payload received.');
    }
    const checked = checkSendBody(req.json());
    if ('reply' in checked) return checked.reply;
    const token = checked.message.token as string;
    if (unregistered.has(token)) {
      return googleErrorReply(404, 'Requested entity was not found.', { errorCode: 'UNREGISTERED' });
    }
    if (foreignTokens.has(token)) {
      return googleErrorReply(403, 'SenderId mismatch', { errorCode: 'SENDER_ID_MISMATCH' });
    }
    const name = `projects/${projectId}/messages/0:${now()}${randomBytes(8).toString('hex')}`;
    messages.push(Object.freeze({ name, token, message: checked.message, at: now() }));
    return { status: 200, body: { name } };
  };

  const http = await startFakeHttp((req) => {
    let reply: FakeReply;
    if (req.path === '/token') {
      counts.token++;
      if (tokenFailure.left > 0) {
        tokenFailure.left--;
        reply = tokenFailure.reply;
      } else reply = oauth.exchange(req);
    } else if (req.method === 'POST' && req.path.endsWith('/messages:send')) reply = send(req);
    else reply = googleErrorReply(404, 'Not Found');
    return delayMs ? { ...reply, delayMs } : reply;
  });
  tokenUri = `${http.url}/token`;

  return Object.freeze({
    baseUrl: http.url,
    tokenUri,
    projectId,
    clientEmail,
    calls: (endpoint: 'token' | 'send') => counts[endpoint],
    get tokenRefusals() {
      return tokenRefusals;
    },
    exchanges: oauth.exchanges,
    issuedTokens: oauth.issued,
    messages,
    requests: http.requests,
    unregistered,
    foreignTokens,
    expireTokens: oauth.expireAll,
    failSends(f: FakeFcmFailure, times = 1) {
      sendFailure = { f, left: times };
    },
    failTokens(reply: FakeReply, times = 1) {
      tokenFailure = { reply, left: times };
    },
    delay(ms: number) {
      delayMs = ms;
    },
    close: () => http.close(),
  });
}
